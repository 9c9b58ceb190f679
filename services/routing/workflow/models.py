from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.routing.database import Base
from shared.db import UtcDateTime


class CaseMessage(Base):
    """The case's conversation: the citizen's messages (from intake) and the officials'."""

    __tablename__ = "case_messages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    author: Mapped[str] = mapped_column(String(16))  # citizen | official
    visibility: Mapped[str] = mapped_column(String(16))  # citizen | internal
    text: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
