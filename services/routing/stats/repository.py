"""The stats' queries, all summed from the daily roll-up (stats/models.py) or counted live.

The public figures of a unit: a case counts where it is now (received, accepted, rejected,
resolved...), except `transferred`, counted at the unit it was first routed to. A province's
figures roll up its own cases, its communes' and its agencies' (their province_code); its
`transferred` counts the cases first routed to one of them and now outside the province.
`overdue` depends on the time: it is counted live among the open cases (a partial index).

A unit's period report: the figures provinces publish on citizen reception and case
handling (citizens received, dialogues held, cases received and resolved by kind and
category). Cases are those received in the period, counted where they are now (as the public
figures), summed from their daily roll-up by kind and category; sessions are those held in
the period, at the unit that now has the case. A province's report covers its own cases,
its communes' and its agencies'.

The satisfaction index by kind and by month (daily_kind_figures, unit_daily_figures), and the
board's recommendations beside it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import IS_OPEN, RoutedCase
from services.routing.reception.models import Dialogue
from services.routing.stats.median import median_days
from services.routing.stats.models import DailyKindFigures, UnitDailyFigures
from services.routing.stats.period import COUNTERS, Period, Scope
from services.routing.stats.satisfaction import KindSatisfaction, MonthSatisfaction, satisfaction
from services.routing.stats.schemas import RecommendationFigures
from services.routing.supervision.repository import figures as recommendation_figures
from shared.dates import LOCAL_TZ


def _mean(row: dict[str, Any]) -> float | None:
    return row["rating_sum"] / row["ratings"] if row["ratings"] else None


def rollup_in(scope: Scope) -> ColumnElement[bool]:
    """The roll-up's rows of a scope: a province's units, or the one unit."""
    if scope.province:
        return UnitDailyFigures.province_code == scope.code
    return UnitDailyFigures.unit_code == scope.code


async def by_unit(
    session: AsyncSession, scope: Scope, period: Period, now: datetime
) -> list[dict[str, Any]]:
    """Each unit's own figures in the scope (a unit's scope: itself), by unit code."""
    rollup = rollup_in(scope)
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


# The period report

CASE_FIGURES = ("received", "accepted", "rejected", "withdrawn", "resolved", "resolved_on_time")


def _where(code: str, province: bool) -> ColumnElement[bool]:
    return RoutedCase.province_code == code if province else RoutedCase.unit_code == code


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def by_kind_and_category(
    session: AsyncSession, code: str, province: bool, period: Period
) -> list[dict[str, Any]]:
    """Summed from the daily roll-up (models.DailyKindFigures), never from the cases."""
    sums = [
        func.coalesce(func.sum(DailyKindFigures.__table__.c[name]), 0).label(name)
        for name in CASE_FIGURES
    ]
    rows = await session.execute(
        select(DailyKindFigures.kind, DailyKindFigures.category, *sums)
        .where(
            DailyKindFigures.scope == ("province" if province else "unit"),
            DailyKindFigures.code == code,
            DailyKindFigures.day >= period.first,
            DailyKindFigures.day <= period.last,
        )
        .group_by(DailyKindFigures.kind, DailyKindFigures.category)
        .having(
            func.sum(DailyKindFigures.received) > 0
        )  # a reclassified kind's row may be back to zero
        .order_by(DailyKindFigures.kind, DailyKindFigures.category)
    )
    return [dict(r._mapping) | {"category": r.category or None} for r in rows]


async def sessions_held(
    session: AsyncSession, code: str, province: bool, period: Period
) -> dict[str, int]:
    held = and_(
        Dialogue.held_at.is_not(None),
        Dialogue.held_at >= period.start,
        Dialogue.held_at < period.end,
    )
    reception = Dialogue.session == "reception"
    row = (
        await session.execute(
            select(
                _count(reception).label("citizens_received"),
                func.count(func.distinct(Dialogue.reception_session_id)).label(
                    "reception_sessions_held"
                ),
                _count(Dialogue.session == "dialogue").label("dialogues_held"),
            )
            .select_from(Dialogue)
            .join(RoutedCase, RoutedCase.id == Dialogue.case_id)
            .where(_where(code, province), held)
        )
    ).one()
    return {k: int(v or 0) for k, v in row._mapping.items()}


# Satisfaction


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
    where = rollup_in(scope)
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
