from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from services.notification.database import Base
from shared.db import UtcDateTime

PENDING, SENT, DEAD = "pending", "sent", "dead"


class Notification(Base):
    """A notice to deliver, and its delivery log: the delivery outbox, retried with back-off."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index(
            "ix_notifications_pending_next",
            "next_attempt_at",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # One notice per (cause, recipient, channel): a replayed cause adds nothing.
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    audience: Mapped[str] = mapped_column(String(16))  # citizen | official
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | webhook
    # An address for officials' mailboxes and webhooks; "contact:<ref>" for a citizen, whose
    # address is resolved through intake at delivery time and never stored here.
    recipient: Mapped[str] = mapped_column(String(500))
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class UnitContact(Base):
    """Where a unit's officials are told (its mailbox, a webhook into its tools), by admins."""

    __tablename__ = "unit_contacts"

    unit_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    address: Mapped[str] = mapped_column(String(500), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), default="vi")
