"""The exact median of days to resolve, without sorting every resolved case of the scope.

The roll-up's histogram (whole days to resolve, per received day) tells how many cases are
resolved and which day-bucket holds the middle rank(s); only that bucket's resolution times
are then read from the cases, in order (on PostgreSQL through ix_cases_resolved_*, an index
on the bucket's very expression). The value is what percentile_cont(0.5) gives over every
case's `(resolved_at - received_at)` in days: the middle one, or halfway between the two.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import RoutedCase
from services.routing.stats.models import UnitDailyResolutions
from services.routing.stats.period import Period, Scope
from services.routing.stats.rebuild import RESOLVED_DAYS


def _days(dialect: str) -> tuple[Any, Any]:
    """The value in days, and what to sort by (on PostgreSQL the interval: the same order,
    without computing a numeric division for each of the bucket's rows)."""
    if dialect == "postgresql":
        interval = RoutedCase.resolved_at - RoutedCase.received_at
        return func.extract("epoch", interval) / 86400.0, interval
    days = func.julianday(RoutedCase.resolved_at) - func.julianday(RoutedCase.received_at)
    return days, days


async def median_days(session: AsyncSession, scope: Scope, period: Period) -> float | None:
    histogram = await session.execute(
        select(UnitDailyResolutions.days, func.sum(UnitDailyResolutions.cases))
        .where(
            UnitDailyResolutions.scope == ("province" if scope.province else "unit"),
            UnitDailyResolutions.code == scope.code,
        )
        .where(UnitDailyResolutions.day >= period.first, UnitDailyResolutions.day <= period.last)
        .group_by(UnitDailyResolutions.days)
        .order_by(UnitDailyResolutions.days)
    )
    counts = [(int(days), int(n)) for days, n in histogram if n]
    return await median_of(session, scope, period, counts)


async def histogram_by_day(
    session: AsyncSession, scope: Scope, period: Period
) -> list[tuple[date, int, int]]:
    """(received day, whole days to resolve, cases): the histogram of each day, so that a
    caller can add up the buckets of several periods (months) from one query."""
    rows = await session.execute(
        select(
            UnitDailyResolutions.day,
            UnitDailyResolutions.days,
            func.sum(UnitDailyResolutions.cases),
        )
        .where(
            UnitDailyResolutions.scope == ("province" if scope.province else "unit"),
            UnitDailyResolutions.code == scope.code,
        )
        .where(UnitDailyResolutions.day >= period.first, UnitDailyResolutions.day <= period.last)
        .group_by(UnitDailyResolutions.day, UnitDailyResolutions.days)
    )
    return [(day, int(days), int(n)) for day, days, n in rows if n]


async def median_of(
    session: AsyncSession, scope: Scope, period: Period, counts: list[tuple[int, int]]
) -> float | None:
    """The median from the period's histogram, (days, cases) by days: only the bucket(s)
    holding the middle rank(s) are read from the cases."""
    resolved = sum(n for _, n in counts)
    if resolved == 0:
        return None
    middle = sorted({(resolved - 1) // 2, resolved // 2})  # one rank, or the two around 1/2
    wanted: dict[int, list[int]] = {}  # bucket -> the ranks' offsets inside it
    below = 0
    for days, n in counts:
        for rank in middle:
            if below <= rank < below + n:
                wanted.setdefault(days, []).append(rank - below)
        below += n
    values: list[float] = []
    for days, offsets in wanted.items():
        values += await _bucket(session, scope, period, days, offsets[0], len(offsets))
    low, high = values[0], values[-1]
    return round(low + (high - low) * 0.5, 2)


async def _bucket(
    session: AsyncSession, scope: Scope, period: Period, days: int, offset: int, limit: int
) -> list[float]:
    dialect = session.get_bind().dialect.name
    where = (
        RoutedCase.province_code == scope.code
        if scope.province
        else RoutedCase.unit_code == scope.code
    )
    duration, order = _days(dialect)
    rows = await session.execute(
        select(duration)
        .where(
            where,
            literal_column(RESOLVED_DAYS[dialect]) == days,
            RoutedCase.resolved_at.is_not(None),
        )
        .where(RoutedCase.received_at >= period.start, RoutedCase.received_at < period.end)
        .order_by(order)
        .offset(offset)
        .limit(limit)
    )
    return [float(v) for v in rows.scalars()]
