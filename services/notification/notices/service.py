"""Queueing notices in the caller's transaction: the delivery worker sends them later."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.notices.models import PENDING, Notification, UnitContact

CITIZEN_CHANNELS = ("email", "sms", "webhook")


async def queue(
    session: AsyncSession,
    *,
    case_id: uuid.UUID,
    audience: str,
    channel: str,
    recipient: str,
    template: str,
    language: str,
    context: dict[str, Any],
    cause: str,
    now: datetime,
) -> bool:
    """Queue one notice unless the same cause already queued it for this recipient."""
    key = f"{cause}|{audience}|{channel}|{recipient}"[:300]
    if await session.scalar(select(Notification.id).where(Notification.dedupe_key == key)):
        return False
    session.add(
        Notification(
            id=uuid.uuid4(),
            dedupe_key=key,
            case_id=case_id,
            audience=audience,
            channel=channel,
            recipient=recipient,
            template=template,
            language=language,
            context=context,
            state=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    await session.flush()
    return True


async def queue_officials(
    session: AsyncSession,
    *,
    units: Iterable[str],
    case_id: uuid.UUID,
    template: str,
    context: dict[str, Any],
    cause: str,
    now: datetime,
) -> int:
    """Tell each unit's officials through the contacts administrators registered for it."""
    codes = [u for u in dict.fromkeys(units) if u]
    if not codes:
        return 0
    contacts = (
        (await session.execute(select(UnitContact).where(UnitContact.unit_code.in_(codes))))
        .scalars()
        .all()
    )
    queued = 0
    for c in contacts:
        queued += await queue(
            session,
            case_id=case_id,
            audience="official",
            channel=c.channel,
            recipient=c.address,
            template=template,
            language=c.language,
            context={**context, "recipient_unit": c.unit_code},
            cause=cause,
            now=now,
        )
    return queued
