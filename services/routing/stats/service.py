"""The stats' operations: a scope's public figures and the period report's board and
satisfaction part, put together from the repository's reads (no SQL here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.stats import repository
from services.routing.stats.median import median_days
from services.routing.stats.months import month_of
from services.routing.stats.period import COUNTERS, Period, Scope
from services.routing.stats.satisfaction import KindSatisfaction, MonthSatisfaction, satisfaction
from services.routing.stats.schemas import RecommendationFigures
from services.routing.supervision.repository import figures as recommendation_figures
from shared.dates import LOCAL_TZ


def _mean(row: dict[str, Any]) -> float | None:
    return row["rating_sum"] / row["ratings"] if row["ratings"] else None


async def by_unit(
    session: AsyncSession, scope: Scope, period: Period, now: datetime
) -> list[dict[str, Any]]:
    """Each unit's own figures in the scope (a unit's scope: itself), by unit code."""
    sums = await repository.sums_by_unit(session, scope, period)
    overdue = await repository.overdue_by_unit(session, scope, period, now)
    out = []
    for unit_code, figures in sums:
        if figures["received"]:  # a unit all of whose cases left has a row of zeros
            out.append(
                {"unit_code": unit_code, **figures}
                | {"overdue": overdue.get(unit_code, 0), "mean_rating": _mean(figures)}
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
    totals["transferred"] = await repository.transferred(session, scope, period)
    totals["median_days_to_resolve"] = await median_days(session, scope, period)
    return totals, units


async def satisfied_by_month(
    session: AsyncSession, scope: Scope, period: Period
) -> list[MonthSatisfaction]:
    """The index for each month of the period with ratings: its days added up by month."""
    months: dict[str, list[int]] = {}
    for day, k, n in await repository.satisfied_by_day(session, scope, period):
        counts = months.setdefault(month_of(day), [0, 0])
        counts[0], counts[1] = counts[0] + k, counts[1] + n
    return [
        MonthSatisfaction(month=month, **satisfaction(k, n).model_dump())
        for month, (k, n) in sorted(months.items())
        if n
    ]


async def board_and_satisfaction(
    session: AsyncSession, scope: Scope, period: Period, now: datetime
) -> dict[str, Any]:
    """The period report's part of issue 17: the board's recommendations, the satisfaction
    index and the index by kind (the totals are the sum over kinds: same cases, same day)."""
    kinds = await repository.satisfied_by_kind(session, scope, period)
    counts = await recommendation_figures(
        session,
        scope.code,
        province=scope.province,
        start=period.start,
        end=period.end,
        today=now.astimezone(LOCAL_TZ).date(),
    )
    return {
        "recommendations": RecommendationFigures(**counts),
        "satisfaction": satisfaction(sum(k for _, k, _ in kinds), sum(n for _, _, n in kinds)),
        "satisfaction_by_kind": [
            KindSatisfaction(kind=kind, **satisfaction(k, n).model_dump()) for kind, k, n in kinds
        ],
        "satisfaction_by_month": await satisfied_by_month(session, scope, period),
    }
