from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.routing.database import Base
from shared.db import UtcDateTime


class ReceptionSession(Base):
    """A citizen-reception session a unit publishes (Luật Tiếp công dân 2013, Điều 12-15:
    the head receives citizens on set days); cases are booked into it as dialogues."""

    __tablename__ = "reception_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    place: Mapped[str] = mapped_column(String(500))
    host: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_reception_sessions_unit_starts", "unit_code", "starts_at"),)


class Dialogue(Base):
    """A dialogue or reception session for a case, scheduled then minuted (the workflow's
    steps): a booking when it takes a seat in a unit's published session."""

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
