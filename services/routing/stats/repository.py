"""The public figures of a unit, as SQL aggregates over routing's cases.

A case counts where it is now (received, accepted, rejected, resolved...), except
`transferred`, counted at the unit it was first routed to. A province's figures roll up its
own cases, its communes' and its agencies' (their province_code).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import RoutedCase as C

OPEN = ("routed", "info_requested", "accepted")


@dataclass(frozen=True)
class Scope:
    code: str
    province: bool  # roll up everything under the province
    members: tuple[str, ...] = ()  # a province's own code, its communes' and agencies'

    def where(self) -> ColumnElement[bool]:
        return C.province_code == self.code if self.province else C.unit_code == self.code


def _flag(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _columns(now: datetime) -> list[Any]:
    return [
        func.count().label("received"),
        _flag(C.accepted_at.is_not(None)).label("accepted"),
        _flag(C.status == "rejected").label("rejected"),
        _flag(C.resolved_at.is_not(None)).label("resolved"),
        _flag(
            and_(
                C.resolved_at.is_not(None),
                C.resolved_due_at.is_not(None),
                C.resolved_at <= C.resolved_due_at,
            )
        ).label("resolved_on_time"),
        _flag(and_(C.status.in_(OPEN), C.due_at.is_not(None), C.due_at < now)).label("overdue"),
        func.avg(cast(C.rating_score, Float)).label("mean_rating"),
        func.count(C.rating_score).label("ratings"),
    ]


def _period(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [C.received_at >= start, C.received_at < end]


async def figures(
    session: AsyncSession, scope: Scope, start: datetime, end: datetime, now: datetime
) -> dict[str, Any]:
    columns = _columns(now)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # One pass over the period's cases, the median included; sorting a province's
        # resolution times wants more than the default 4 MB before it spills to disk.
        await session.execute(text("SET LOCAL work_mem = '64MB'"))
        days = func.extract("epoch", C.resolved_at - C.received_at) / 86400.0
        columns.append(func.percentile_cont(0.5).within_group(days).label("median"))
    row = (await session.execute(select(*columns).where(scope.where(), *_period(start, end)))).one()
    out = dict(row._mapping)
    out["transferred"] = await _transferred(session, scope, start, end)
    if postgres:
        median = out.pop("median")
        out["median_days_to_resolve"] = None if median is None else round(float(median), 2)
    else:
        out["median_days_to_resolve"] = await _median_days(session, scope, start, end)
    return out


async def by_unit(
    session: AsyncSession, scope: Scope, start: datetime, end: datetime, now: datetime
) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(C.unit_code, *_columns(now))
        .where(scope.where(), *_period(start, end))
        .group_by(C.unit_code)
        .order_by(C.unit_code)
    )
    return [dict(r._mapping) | {"transferred": 0, "median_days_to_resolve": None} for r in rows]


async def _transferred(session: AsyncSession, scope: Scope, start: datetime, end: datetime) -> int:
    if scope.province:  # left a unit of the province for a unit outside it
        where = and_(C.first_unit_code.in_(scope.members), C.province_code != scope.code)
    else:
        where = and_(C.first_unit_code == scope.code, C.unit_code != scope.code)
    return int(await session.scalar(select(func.count()).where(where, *_period(start, end))) or 0)


async def _median_days(
    session: AsyncSession, scope: Scope, start: datetime, end: datetime
) -> float | None:
    # SQLite has no percentile aggregate: the middle row(s) of the ordered durations.
    days = func.julianday(C.resolved_at) - func.julianday(C.received_at)
    where = [scope.where(), *_period(start, end), C.resolved_at.is_not(None)]
    n = int(await session.scalar(select(func.count()).where(*where)) or 0)
    if n == 0:
        return None
    middle = (
        await session.execute(
            select(days.label("d"))
            .where(*where)
            .order_by(days)
            .offset((n - 1) // 2)
            .limit(1 if n % 2 else 2)
        )
    ).scalars()
    values = [float(v) for v in middle]
    return round(sum(values) / len(values), 2)
