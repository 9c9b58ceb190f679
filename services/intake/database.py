from sqlalchemy.orm import DeclarativeBase

from shared.messaging.tables import messaging_tables


class Base(DeclarativeBase):
    pass


messaging = messaging_tables(Base.metadata)
