"""The public figures of a unit, summed from the daily roll-up (stats/models.py).

A case counts where it is now (received, accepted, rejected, resolved...), except
`transferred`, counted at the unit it was first routed to. A province's figures roll up its
own cases, its communes' and its agencies' (their province_code); its `transferred` counts
the cases first routed to one of them and now outside the province. `overdue` depends on the
time: it is counted live among the open cases (a partial index).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import IS_OPEN, RoutedCase
from services.routing.stats.median import median_days
from services.routing.stats.models import UnitDailyFigures
from services.routing.stats.period import COUNTERS, Period, Scope


def _mean(row: dict[str, Any]) -> float | None:
    return row["rating_sum"] / row["ratings"] if row["ratings"] else None


async def by_unit(
    session: AsyncSession, scope: Scope, period: Period, now: datetime
) -> list[dict[str, Any]]:
    """Each unit's own figures in the scope (a unit's scope: itself), by unit code."""
    rollup: ColumnElement[bool] = (
        UnitDailyFigures.province_code == scope.code
        if scope.province
        else UnitDailyFigures.unit_code == scope.code
    )
    rows = await session.execute(
        select(
            UnitDailyFigures.unit_code,
            *(func.sum(getattr(UnitDailyFigures, c)).label(c) for c in COUNTERS),
        )
        .where(rollup, UnitDailyFigures.day >= period.first, UnitDailyFigures.day <= period.last)
        .group_by(UnitDailyFigures.unit_code)
    )
    cases: ColumnElement[bool] = (
        RoutedCase.province_code == scope.code
        if scope.province
        else RoutedCase.unit_code == scope.code
    )
    late = await session.execute(
        select(RoutedCase.unit_code, func.count())
        .where(cases, IS_OPEN, RoutedCase.due_at < now)
        .where(RoutedCase.received_at >= period.start, RoutedCase.received_at < period.end)
        .group_by(RoutedCase.unit_code)
    )
    overdue = {unit: int(n) for unit, n in late}
    out = []
    for row in rows:
        figures = {c: int(row._mapping[c] or 0) for c in COUNTERS}
        if figures["received"]:  # a unit all of whose cases left has a row of zeros
            out.append(
                {"unit_code": row.unit_code, **figures}
                | {"overdue": int(overdue.get(row.unit_code, 0)), "mean_rating": _mean(figures)}
                | {"transferred": 0, "median_days_to_resolve": None}
            )
    return sorted(out, key=lambda row: str(row["unit_code"]))


async def figures(
    session: AsyncSession, scope: Scope, period: Period, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The scope's figures, and each unit's (a province's communes and agencies)."""
    units = await by_unit(session, scope, period, now)
    totals: dict[str, Any] = {c: sum(int(u[c]) for u in units) for c in (*COUNTERS, "overdue")}
    totals["mean_rating"] = _mean(totals)
    totals["transferred"] = await _transferred(session, scope, period)
    totals["median_days_to_resolve"] = await median_days(session, scope, period)
    return totals, units


async def _transferred(session: AsyncSession, scope: Scope, period: Period) -> int:
    if scope.province:  # left a unit of the province for a unit outside it
        # Two ranges instead of `!=`, so that the index bounds them: few rows leave.
        elsewhere = or_(
            UnitDailyFigures.province_code < scope.code, UnitDailyFigures.province_code > scope.code
        )
        where = [UnitDailyFigures.first_unit_code.in_(scope.members), elsewhere]
    else:
        where = [
            UnitDailyFigures.first_unit_code == scope.code,
            UnitDailyFigures.unit_code != scope.code,
        ]
    total = await session.scalar(
        select(func.sum(UnitDailyFigures.received)).where(
            *where, UnitDailyFigures.day >= period.first, UnitDailyFigures.day <= period.last
        )
    )
    return int(total or 0)
