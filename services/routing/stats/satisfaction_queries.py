"""The satisfaction index by kind, summed from the daily roll-up (daily_kind_figures)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.stats.models import DailyKindFigures as K
from services.routing.stats.repository import Period, Scope


async def satisfied_by_kind(
    session: AsyncSession, scope: Scope, period: Period
) -> list[tuple[str, int, int]]:
    """(kind, satisfied, ratings) for each kind with cases in the period, by kind."""
    rows = await session.execute(
        select(K.kind, func.sum(K.satisfied), func.sum(K.ratings))
        .where(
            K.scope == ("province" if scope.province else "unit"),
            K.code == scope.code,
            K.day >= period.first,
            K.day <= period.last,
        )
        .group_by(K.kind)
        .order_by(K.kind)
    )
    return [(kind, int(k or 0), int(n or 0)) for kind, k, n in rows]
