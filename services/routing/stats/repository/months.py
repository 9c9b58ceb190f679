"""The reads of a chart by month (stats/months.py adds them up): the roll-up's days of the
whole range, and the overdue open cases counted in one pass with a sum per month."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import IS_OPEN, RoutedCase
from services.routing.stats.models import UnitDailyFigures
from services.routing.stats.period import Period, Scope
from services.routing.stats.repository.figures import cases_in, sums_by, transferred_out


async def sums_by_day(
    session: AsyncSession, scope: Scope, whole: Period
) -> list[tuple[date, dict[str, int]]]:
    """(local day, the roll-up's COUNTERS summed over the scope's units) of each day with
    rows: at most one row per unit and day."""
    return await sums_by(session, UnitDailyFigures.day, scope, whole)


async def overdue_in(
    session: AsyncSession, scope: Scope, periods: list[Period], whole: Period, now: datetime
) -> list[int]:
    """Open cases past their due time received in each of `periods` (inside `whole`): one
    pass over the scope's open cases of the range (the partial index), a sum per period."""
    columns = [
        func.sum(
            case(
                ((RoutedCase.received_at >= p.start) & (RoutedCase.received_at < p.end), 1), else_=0
            )
        )
        for p in periods
    ]
    row = (
        await session.execute(
            select(*columns)
            .where(cases_in(scope), IS_OPEN, RoutedCase.due_at < now)
            .where(RoutedCase.received_at >= whole.start, RoutedCase.received_at < whole.end)
        )
    ).one()
    return [int(n or 0) for n in row]


async def transferred_by_day(
    session: AsyncSession, scope: Scope, whole: Period
) -> list[tuple[date, int]]:
    """figures.transferred, by local day."""
    rows = await session.execute(
        select(UnitDailyFigures.day, func.sum(UnitDailyFigures.received))
        .where(
            *transferred_out(scope),
            UnitDailyFigures.day >= whole.first,
            UnitDailyFigures.day <= whole.last,
        )
        .group_by(UnitDailyFigures.day)
    )
    return [(day, int(n or 0)) for day, n in rows]
