from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.notices.models import PENDING, Notification, UnitContact
from shared.db import dialect_of, upsert_into


async def add_new_notices(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the notices whose dedupe key none has yet, in one statement; how many were."""
    return len((await session.execute(_add_new_notices(dialect_of(session)), rows)).all())


@functools.cache
def _add_new_notices(dialect: str) -> Executable:
    return (
        upsert_into(dialect, Notification)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.id)
    )


async def delivery_log(
    session: AsyncSession, case_id: uuid.UUID, *, citizen: bool, limit: int
) -> list[Notification]:
    """A case's notices, oldest first; `citizen` False: those to the citizen left out."""
    query = select(Notification).where(Notification.case_id == case_id)
    if not citizen:
        query = query.where(Notification.audience != "citizen")
    query = query.order_by(Notification.created_at, Notification.id).limit(limit)
    return list((await session.execute(query)).scalars())


# Asked on every case routed or transferred: built once, the codes bound as one list.
_CONTACTS = select(UnitContact).where(UnitContact.unit_code.in_(bindparam("codes", expanding=True)))


async def unit_contacts(session: AsyncSession, units: Iterable[str]) -> list[UnitContact]:
    codes = [u for u in dict.fromkeys(units) if u]
    if not codes:
        return []
    return list((await session.execute(_CONTACTS, {"codes": codes})).scalars())


async def replace_unit_contacts(
    session: AsyncSession, unit_code: str, contacts: Iterable[UnitContact]
) -> None:
    await session.execute(delete(UnitContact).where(UnitContact.unit_code == unit_code))
    session.add_all(contacts)


async def claim_due(
    session: AsyncSession, *, now: datetime, owner: str, lease_until: datetime, limit: int
) -> list[uuid.UUID]:
    """Up to `limit` pending notices due by `now` that nobody holds (or whose holder's lease
    ran out), soonest first, claimed for `owner` until `lease_until`; others' locks skipped."""
    ids = list(
        (
            await session.execute(
                select(Notification.id)
                .where(
                    Notification.state == PENDING,
                    Notification.next_attempt_at <= now,
                    or_(Notification.lease_until.is_(None), Notification.lease_until < now),
                )
                .order_by(Notification.next_attempt_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    if ids:
        await session.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(claimed_by=owner, lease_until=lease_until)
        )
    return ids


async def get(session: AsyncSession, notice_id: uuid.UUID) -> Notification | None:
    return await session.get(Notification, notice_id)


async def locked(session: AsyncSession, notice_id: uuid.UUID) -> Notification:
    result = await session.execute(
        select(Notification).where(Notification.id == notice_id).with_for_update()
    )
    return result.scalar_one()
