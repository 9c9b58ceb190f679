from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.notification.database import Base
from shared.db import UtcDateTime

RUNNING, PAUSED, MET, BREACHED, CANCELLED = "running", "paused", "met", "breached", "cancelled"
OPEN_STATES = (RUNNING, PAUSED)


class TrackedCase(Base):
    """What the clocks need to know of a case, learned from its events."""

    __tablename__ = "tracked_cases"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    unit_code: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str] = mapped_column(String(16))
    received_on: Mapped[date] = mapped_column(Date)  # selects the rules in force
    second_time: Mapped[bool] = mapped_column(Boolean, default=False)
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set by intake on case.submitted: an opaque reference to the citizen's contact, resolved
    # through intake at delivery time (never an address).
    contact_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The channel the citizen chose for every notice: email | sms | none.
    contact_channel: Mapped[str] = mapped_column(String(16), default="email")
    language: Mapped[str] = mapped_column(String(8), default="vi")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Deadline(Base):
    """One clock of one case at one unit. `round` counts transfers: a new unit, a new clock."""

    __tablename__ = "deadlines"
    __table_args__ = (
        UniqueConstraint("case_id", "step", "round", name="uq_deadlines_case_step_round"),
        Index("ix_deadlines_unit_state_due", "unit_code", "state", "due_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    case_kind: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(64))
    round: Mapped[int] = mapped_column(Integer, default=0)
    unit_code: Mapped[str] = mapped_column(String(16), index=True)
    province_code: Mapped[str] = mapped_column(String(16))
    policy_id: Mapped[str] = mapped_column(String(100))
    basis: Mapped[str] = mapped_column(String(500))
    starts_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The running arithmetic: due_on = add(anchor_on, duration - used_days) in `day_unit`.
    # A pause adds the days consumed to used_days; a resume moves the anchor to its day.
    day_unit: Mapped[str] = mapped_column(String(16), default="calendar_days")
    duration: Mapped[int] = mapped_column(Integer, default=0)
    anchor_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    used_days: Mapped[int] = mapped_column(Integer, default=0)
    paused_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    complexity: Mapped[str | None] = mapped_column(String(32), nullable=True)
    met_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class DeadlineChange(Base):
    """The history of a deadline: every set, extension, pause, resumption, meeting, breach."""

    __tablename__ = "deadline_changes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    deadline_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    change: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    decision_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
