from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.database import Base
from shared.db import UtcDateTime


class CaseMessage(Base):
    """The conversation the citizen sees: their own messages and officials' public ones."""

    __tablename__ = "case_messages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id"), index=True)
    author: Mapped[str] = mapped_column(String(16))  # citizen | official
    text: Mapped[str] = mapped_column(String(5000))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
