"""Queueing notices in the caller's transaction: the delivery worker sends them later."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.notices import repository
from services.notification.notices.models import PENDING, UnitContact
from shared.db import dialect_of


@dataclass(frozen=True)
class Notice:
    """One notice to queue; `cause` and the recipient make it once-only (its dedupe key)."""

    case_id: uuid.UUID
    audience: str
    channel: str
    recipient: str
    template: str
    language: str
    context: dict[str, Any]
    cause: str

    @property
    def key(self) -> str:
        return f"{self.cause}|{self.audience}|{self.channel}|{self.recipient}"[:300]


async def queue_all(session: AsyncSession, notices: Iterable[Notice], now: datetime) -> int:
    """Queue notices in one statement, leaving out those a cause already queued; how many
    were queued."""
    by_key: dict[str, Notice] = {}
    for notice in notices:
        by_key.setdefault(notice.key, notice)
    if not by_key:
        return 0
    return await repository.add_new_notices(session, [_row(n, now) for n in by_key.values()])


def _row(n: Notice, now: datetime) -> dict[str, Any]:
    """The notice's row as queued: pending, due now."""
    return {
        "id": uuid.uuid4(),
        "dedupe_key": n.key,
        "case_id": n.case_id,
        "audience": n.audience,
        "channel": n.channel,
        "recipient": n.recipient,
        "template": n.template,
        "language": n.language,
        "context": n.context,
        "state": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


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
    notice = Notice(case_id, audience, channel, recipient, template, language, context, cause)
    return await queue_all(session, [notice], now) == 1


def official_notices(
    contacts: Sequence[UnitContact],
    *,
    units: Iterable[str],
    case_id: uuid.UUID,
    template: str,
    context: dict[str, Any],
    cause: str,
) -> list[Notice]:
    """A notice to each contact administrators registered for the units (among `contacts`)."""
    wanted = set(units)
    return [
        Notice(
            case_id=case_id,
            audience="official",
            channel=c.channel,
            recipient=c.address,
            template=template,
            language=c.language,
            context={**context, "recipient_unit": c.unit_code},
            cause=cause,
        )
        for c in contacts
        if c.unit_code in wanted
    ]


async def queue_step(
    session: AsyncSession,
    *,
    units: Iterable[str],
    case_id: uuid.UUID,
    template: str,
    context: dict[str, Any],
    cause: str,
    citizen: Notice | None,
    now: datetime,
) -> int:
    """A case's step told: a notice to each contact administrators registered for the units
    (`official_notices`), and the citizen's notice if any, in one insert. On PostgreSQL that
    insert reads the contacts itself: one statement where a look-up and an insert per
    audience took one each. SQLite looks the contacts up, then inserts."""
    units = list(units)
    if dialect_of(session) == "postgresql":
        official = {
            "case_id": case_id,
            "template": template,
            "context": context,
            "cause": cause,
            "now": now,
        }
        row = None if citizen is None else _row(citizen, now)
        return await repository.add_step_notices(
            session, units=units, official=official, citizen=row
        )
    contacts = await repository.unit_contacts(session, units)
    notices = official_notices(
        contacts, units=units, case_id=case_id, template=template, context=context, cause=cause
    )
    return await queue_all(session, [*notices, *([citizen] if citizen else [])], now)
