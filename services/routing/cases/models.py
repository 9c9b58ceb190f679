from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from services.routing.database import Base
from shared.db import UtcDateTime
from shared.events import CaseStatus

# Statuses with a running clock. Written out, not bound: PostgreSQL matches a partial
# index's predicate only against literal values, also in a prepared statement's generic plan.
OPEN = (CaseStatus.routed, CaseStatus.info_requested, CaseStatus.accepted)
IS_OPEN = text("status IN ({})".format(", ".join(f"'{status.value}'" for status in OPEN)))


class RoutedCase(Base):
    """A case in a unit's hands: where it is, in which state, and why it went there."""

    __tablename__ = "cases"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64))
    location_unit_code: Mapped[str | None] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(String(16), index=True)
    province_code: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rule: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(1000))
    # The workflow (issue 4)
    assignee: Mapped[str | None] = mapped_column(String(200))
    paused_from: Mapped[str | None] = mapped_column(String(32))  # where resume returns to
    complexity: Mapped[str | None] = mapped_column(String(16))
    publish_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    appeal_of: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # For the public figures: the unit first routed to (a transfer leaves it), and the due
    # time the resolution was measured against.
    first_unit_code: Mapped[str | None] = mapped_column(String(16), index=True)
    resolved_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # From notification's deadline.set: the running clock of the case's current step.
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_kind: Mapped[str | None] = mapped_column(String(32))
    # Units to which notification escalated an overdue case (their heads may act on it).
    escalated_to: Mapped[list[str] | None] = mapped_column(JSON)
    rating_score: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(2000))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        # The work queue: a unit's cases by due time (nulls last), then id for the keyset.
        Index("ix_cases_queue", "unit_code", "due_at", "id"),
        # The queue's per-status counts, on every page.
        Index("ix_cases_unit_status", "unit_code", "status"),
        # "My cases": an assignee's part of the queue, in the queue's order.
        Index("ix_cases_queue_assignee", "unit_code", "assignee", "due_at", "id"),
        # The public figures' `overdue`, counted live: open cases by due time.
        Index(
            "ix_cases_open_province",
            "province_code",
            "due_at",
            postgresql_include=["received_at", "unit_code"],
            postgresql_where=IS_OPEN,
            sqlite_where=IS_OPEN,
        ),
        Index(
            "ix_cases_open_unit",
            "unit_code",
            "due_at",
            postgresql_include=["received_at"],
            postgresql_where=IS_OPEN,
            sqlite_where=IS_OPEN,
        ),
        # Migration 0004 also adds, on PostgreSQL, ix_cases_resolved_{province,unit}: the
        # median's resolution times by whole days (an expression, stats/repository/rebuild.py).
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


# Every change of a case moves the public figures' roll-up, in the same flush: stats/rollup.py
# registers its mapper events on this class (the app imports it), and, for a submitted case's
# row inserted without the ORM, what it adds (repository.add_routed, in the same statement).


class CaseStep(Base):
    """The audit trail: append-only; the database itself refuses updates and deletes."""

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    step: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(2000))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
