from __future__ import annotations

from collections.abc import Sequence

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
