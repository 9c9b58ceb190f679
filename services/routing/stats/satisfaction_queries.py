"""The satisfaction index by kind, summed from the daily roll-up (daily_kind_figures)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.stats.models import DailyKindFigures, UnitDailyFigures
from services.routing.stats.period import Period, Scope
from services.routing.stats.satisfaction import KindSatisfaction, MonthSatisfaction, satisfaction
from services.routing.stats.schemas import RecommendationFigures
from services.routing.supervision.repository import figures as recommendation_figures
from shared.dates import LOCAL_TZ


async def satisfied_by_kind(
    session: AsyncSession, scope: Scope, period: Period
) -> list[tuple[str, int, int]]:
    """(kind, satisfied, ratings) for each kind with cases in the period, by kind."""
    rows = await session.execute(
        select(
            DailyKindFigures.kind,
            func.sum(DailyKindFigures.satisfied),
            func.sum(DailyKindFigures.ratings),
        )
        .where(
            DailyKindFigures.scope == ("province" if scope.province else "unit"),
            DailyKindFigures.code == scope.code,
            DailyKindFigures.day >= period.first,
            DailyKindFigures.day <= period.last,
        )
        .group_by(DailyKindFigures.kind)
        .order_by(DailyKindFigures.kind)
    )
    return [(kind, int(k or 0), int(n or 0)) for kind, k, n in rows]


async def satisfied_by_month(
    session: AsyncSession, scope: Scope, period: Period
) -> list[MonthSatisfaction]:
    """The index for each month of the period: the roll-up's days (at most 366 rows per
    scope and year, summed over units and first units), added up by month here."""
    where = (
        UnitDailyFigures.province_code == scope.code
        if scope.province
        else UnitDailyFigures.unit_code == scope.code
    )
    rows = await session.execute(
        select(
            UnitDailyFigures.day,
            func.sum(UnitDailyFigures.satisfied),
            func.sum(UnitDailyFigures.ratings),
        )
        .where(where, UnitDailyFigures.day >= period.first, UnitDailyFigures.day <= period.last)
        .group_by(UnitDailyFigures.day)
    )
    months: dict[str, list[int]] = {}
    for day, k, n in rows:
        counts = months.setdefault(day.strftime("%Y-%m"), [0, 0])
        counts[0], counts[1] = counts[0] + int(k or 0), counts[1] + int(n or 0)
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
    kinds = await satisfied_by_kind(session, scope, period)
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
