"""A people's inspection board's supervisions of its unit, and its recommendations.

The board (ban thanh tra nhân dân) opens a supervision over a period, a set of cases or a
theme; it keeps notes, requests for information, findings and a closing report; it
recommends (kiến nghị) to the unit's head, who answers within the response period.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.routing.database import Base
from shared.db import UtcDateTime


class Supervision(Base):
    __tablename__ = "supervisions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    # {theme, received_from, received_to, kinds, category, late_only, case_ids}
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))  # open | closed
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closing_report: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_supervisions_unit", "unit_code", "opened_at", "id"),)


class SupervisionEntry(Base):
    """The board's notes, its requests for information to the unit (each with a response
    date), its findings, and residents' messages addressed to the board."""

    __tablename__ = "supervision_entries"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    supervision_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # note | info_request | finding | info_answer
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    answers: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the info_request answered
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Recommendation(Base):
    """A kiến nghị to the unit's head, from a supervision (optionally on one of its cases), or
    on a single case without one (supervision_id None, case_id set)."""

    __tablename__ = "recommendations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    supervision_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    unit_code: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    issued_by: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_on: Mapped[date] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(String(500))
    # Notification's response clock, once announced (deadline.set): it then owns due_on.
    deadline_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    state: Mapped[str] = mapped_column(String(16))  # open | answered (overdue: open, past due)
    outcome: Mapped[str | None] = mapped_column(String(16))  # accepted | partly | rejected
    answer_text: Mapped[str | None] = mapped_column(Text)
    # [{id, action, due_on, done_on?, done_by?, note?}]: each action's clock is keyed by its id.
    follow_up: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    answered_by: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_on_time: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = (
        # A unit's list, newest first, and the public figures' counts for a period.
        Index("ix_recommendations_unit", "unit_code", "issued_at", "id"),
        Index("ix_recommendations_province", "province_code", "issued_at"),
    )


class SupervisionStep(Base):
    """The supervisions' audit trail: append-only, like case_history (the database refuses
    updates and deletes)."""

    __tablename__ = "supervision_history"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    supervision_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    # The recommendation acted on: made, answered, a follow-up action done (None otherwise).
    recommendation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    action: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class BoardMessage(Base):
    """A resident's message to the board of their case's unit, about how the case is
    handled (from intake, with the case's token): the board's queue. Never in the officials'
    conversation, and never with the resident's identity (intake does not send it)."""

    __tablename__ = "board_messages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # intake's message id
    unit_code: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tracking_code: Mapped[str] = mapped_column(String(16))
    case_kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_board_messages_unit", "unit_code", "at", "id"),)
