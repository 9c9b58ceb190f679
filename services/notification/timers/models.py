from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from services.notification.database import Base
from shared.db import UtcDateTime

PENDING, FIRED, OBSOLETE, CANCELLED, FAILED = "pending", "fired", "obsolete", "cancelled", "failed"


class Timer(Base):
    """A durable reminder or breach: at-least-once, made once-only by its unique key."""

    __tablename__ = "timers"
    __table_args__ = (
        # A second firing of the same reminder for the same due time changes nothing.
        UniqueConstraint("deadline_id", "kind", "due_at", name="uq_timers_deadline_kind_due"),
        # A sweep reads only what is due: cost follows due timers, not open cases.
        Index(
            "ix_timers_pending_fire_at",
            "fire_at",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    deadline_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(32))  # "warning:3", "warning:1", "breach"
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fire_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16))
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(2000), nullable=True)
