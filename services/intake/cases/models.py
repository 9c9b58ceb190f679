from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.database import Base
from shared.db import UtcDateTime


class Case(Base):
    """The case as filed, plus the citizen-facing read model kept current from events."""

    __tablename__ = "cases"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    access_token_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64))
    location_unit_code: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(500))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    target: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    publish_consent: Mapped[bool]
    channel: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)

    status: Mapped[str] = mapped_column(String(32))
    unit_code: Mapped[str | None] = mapped_column(String(16))
    unit_name: Mapped[str | None] = mapped_column(String(200))
    # The time of the newest event applied to `status`: an older event never overwrites it.
    status_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The time of the newest event that named the responsible unit (routed, transferred).
    unit_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The responsible unit is in a remote area (from routing): longer periods to appeal.
    remote_area: Mapped[bool | None]

    dialogue: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    media_url: Mapped[str | None] = mapped_column(String(500))
    # Every photo URL an Open311 client sent (FixMyStreet repeats media_url), when several.
    media_urls: Mapped[list[str] | None] = mapped_column(JSON)
    # {summary, decision_ref, resolved_on, publish}: the unit's answer, from case.resolved.
    resolution: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    rating_score: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(2000))
    # A second-time complaint points at the first; the first names its second.
    appeal_of: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    appealed_as: Mapped[str | None] = mapped_column(String(16))


class Submitter(Base):
    """The submitter's identity, encrypted, kept apart from the case."""

    __tablename__ = "submitters"

    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    # SHA-256 of the opaque reference the notification service resolves to the citizen's
    # address at delivery time (the reference travels in events; the address never does).
    contact_ref_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class CaseDeadline(Base):
    __tablename__ = "case_deadlines"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(String(500))
    updated_by_event_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TimelineEntry(Base):
    __tablename__ = "case_timeline"

    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(2000))


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
