from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.timers.models import CANCELLED, PENDING, Timer

# Core, built once: a deadline's timers go in one executemany.
_ADD = insert(cast(Table, Timer.__table__))


async def add_timers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """New timers (every column given), inserted together."""
    if rows:
        await session.execute(_ADD, rows)


async def claim_due(
    session: AsyncSession, *, now: datetime, owner: str, lease_until: datetime, limit: int
) -> list[uuid.UUID]:
    """Up to `limit` pending timers due by `now` that nobody holds (or whose holder's lease
    ran out), soonest first, claimed for `owner` until `lease_until`, each claim counted as
    an attempt; others' locks skipped."""
    ids = list(
        (
            await session.execute(
                select(Timer.id)
                .where(
                    Timer.state == PENDING,
                    Timer.fire_at <= now,
                    or_(Timer.lease_until.is_(None), Timer.lease_until < now),
                )
                .order_by(Timer.fire_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    if ids:
        await session.execute(
            update(Timer)
            .where(Timer.id.in_(ids))
            .values(claimed_by=owner, lease_until=lease_until, attempts=Timer.attempts + 1)
        )
    return ids


async def claimed(session: AsyncSession, ids: Sequence[uuid.UUID], owner: str) -> list[Timer]:
    """The timers among `ids` still pending and claimed by `owner`, locked, in firing order."""
    return list(
        (
            await session.execute(
                select(Timer)
                .where(Timer.id.in_(ids), Timer.state == PENDING, Timer.claimed_by == owner)
                .order_by(Timer.fire_at, Timer.id)
                .with_for_update()
            )
        ).scalars()
    )


async def locked(session: AsyncSession, timer_id: uuid.UUID) -> Timer | None:
    return await session.get(Timer, timer_id, with_for_update=True)


async def of_deadline(session: AsyncSession, deadline_id: uuid.UUID) -> Sequence[Timer]:
    return (
        (await session.execute(select(Timer).where(Timer.deadline_id == deadline_id)))
        .scalars()
        .all()
    )


async def cancel_pending(
    session: AsyncSession,
    deadline_ids: Collection[uuid.UUID],
    *,
    but: Collection[uuid.UUID] = (),
) -> None:
    """Cancel the pending timers of `deadline_ids` (but those of `but`)."""
    query = update(Timer).where(Timer.deadline_id.in_(deadline_ids), Timer.state == PENDING)
    if but:
        query = query.where(Timer.id.not_in(but))
    await session.execute(
        query.values(state=CANCELLED).execution_options(synchronize_session=False)
    )
