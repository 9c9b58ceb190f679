"""The median's reads: the roll-up's histogram of whole days to resolve, and the exact
resolution times of one day-bucket (stats/median.py says which).

A bucket's cases are found by the very expression of ix_cases_resolved_* (RESOLVED_DAYS, in
the text of migration 0004) on PostgreSQL, so that only the bucket's rows are read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import RoutedCase
from services.routing.stats.models import UnitDailyResolutions
from services.routing.stats.period import Period, Scope
from services.routing.stats.repository.figures import cases_in
from services.routing.stats.repository.rebuild import RESOLVED_DAYS


def _in(scope: Scope, period: Period) -> list[Any]:
    """The histogram's rows of the scope and period."""
    return [
        UnitDailyResolutions.scope == ("province" if scope.province else "unit"),
        UnitDailyResolutions.code == scope.code,
        UnitDailyResolutions.day >= period.first,
        UnitDailyResolutions.day <= period.last,
    ]


async def histogram(session: AsyncSession, scope: Scope, period: Period) -> list[tuple[int, int]]:
    """(whole days to resolve, cases) of the period, by days; empty buckets left out."""
    rows = await session.execute(
        select(UnitDailyResolutions.days, func.sum(UnitDailyResolutions.cases))
        .where(*_in(scope, period))
        .group_by(UnitDailyResolutions.days)
        .order_by(UnitDailyResolutions.days)
    )
    return [(int(days), int(n)) for days, n in rows if n]


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
        .where(*_in(scope, period))
        .group_by(UnitDailyResolutions.day, UnitDailyResolutions.days)
    )
    return [(day, int(days), int(n)) for day, days, n in rows if n]


def _days(dialect: str) -> tuple[Any, Any]:
    """The value in days, and what to sort by (on PostgreSQL the interval: the same order,
    without computing a numeric division for each of the bucket's rows)."""
    if dialect == "postgresql":
        interval = RoutedCase.resolved_at - RoutedCase.received_at
        return func.extract("epoch", interval) / 86400.0, interval
    days = func.julianday(RoutedCase.resolved_at) - func.julianday(RoutedCase.received_at)
    return days, days


async def bucket(
    session: AsyncSession, scope: Scope, period: Period, days: int, offset: int, limit: int
) -> list[float]:
    """The days to resolve of the bucket's cases ranked offset..offset+limit-1, in order."""
    dialect = session.get_bind().dialect.name
    duration, order = _days(dialect)
    rows = await session.execute(
        select(duration)
        .where(
            cases_in(scope),
            literal_column(RESOLVED_DAYS[dialect]) == days,
            RoutedCase.resolved_at.is_not(None),
        )
        .where(RoutedCase.received_at >= period.start, RoutedCase.received_at < period.end)
        .order_by(order)
        .offset(offset)
        .limit(limit)
    )
    return [float(v) for v in rows.scalars()]
