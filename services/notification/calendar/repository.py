from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.calendar.models import CalendarOverride


async def overrides(session: AsyncSession) -> Sequence[CalendarOverride]:
    """The administrators' corrections of the calendar, by day."""
    return (
        (await session.execute(select(CalendarOverride).order_by(CalendarOverride.day)))
        .scalars()
        .all()
    )


async def save_override(
    session: AsyncSession, day: date, *, working: bool, reason: str, by: str, at: datetime
) -> CalendarOverride:
    """The day's correction, written (the row locked, or added)."""
    row = await session.get(CalendarOverride, day, with_for_update=True)
    if row is None:
        row = CalendarOverride(day=day)
        session.add(row)
    row.working, row.reason = working, reason
    row.changed_by, row.changed_at = by, at
    await session.flush()
    return row


async def override(session: AsyncSession, day: date) -> CalendarOverride | None:
    return await session.get(CalendarOverride, day)


async def remove(session: AsyncSession, row: CalendarOverride) -> None:
    await session.delete(row)
    await session.flush()
