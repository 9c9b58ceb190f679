from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, String, Text, Uuid
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


class Dialogue(Base):
    """A dialogue or reception session for a case, scheduled then minuted."""

    __tablename__ = "dialogues"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    session: Mapped[str] = mapped_column(String(16))  # dialogue | reception
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    place: Mapped[str] = mapped_column(String(500))
    scheduled_by: Mapped[str] = mapped_column(String(200))
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    participants: Mapped[list[str] | None] = mapped_column(JSON)
    absentees: Mapped[list[str] | None] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(Text)
    # Set when the case was booked into a unit's published reception session.
    reception_session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
