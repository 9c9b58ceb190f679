"""The public figures', the period report's and the satisfaction index's reads.

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

The satisfaction index by kind and by day (daily_kind_figures, unit_daily_figures).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import IS_OPEN, RoutedCase
from services.routing.reception.models import Dialogue
from services.routing.stats.models import DailyKindFigures, UnitDailyFigures
from services.routing.stats.period import COUNTERS, Period, Scope

CASE_FIGURES = ("received", "accepted", "rejected", "withdrawn", "resolved", "resolved_on_time")


def rollup_in(scope: Scope) -> ColumnElement[bool]:
    """The roll-up's rows of a scope: a province's units, or the one unit."""
    if scope.province:
        return UnitDailyFigures.province_code == scope.code
    return UnitDailyFigures.unit_code == scope.code


def cases_in(scope: Scope) -> ColumnElement[bool]:
    """The cases of a scope, where they are now: a province's units', or the one unit's."""
    if scope.province:
        return RoutedCase.province_code == scope.code
    return RoutedCase.unit_code == scope.code


def transferred_out(scope: Scope) -> list[ColumnElement[bool]]:
    """The roll-up's rows of the cases first routed into the scope and now outside it."""
    if scope.province:  # left a unit of the province for a unit outside it
        # Two ranges instead of `!=`, so that the index bounds them: few rows leave.
        elsewhere = or_(
            UnitDailyFigures.province_code < scope.code, UnitDailyFigures.province_code > scope.code
        )
        return [UnitDailyFigures.first_unit_code.in_(scope.members), elsewhere]
    return [
        UnitDailyFigures.first_unit_code == scope.code,
        UnitDailyFigures.unit_code != scope.code,
    ]


async def sums_by_unit(
    session: AsyncSession, scope: Scope, period: Period
) -> list[tuple[str, dict[str, int]]]:
    """(unit code, the roll-up's COUNTERS summed over the period) of each unit of the scope
    with a row in the period (a unit all of whose cases left has a row of zeros)."""
    return await sums_by(session, UnitDailyFigures.unit_code, scope, period)


async def sums_by(
    session: AsyncSession, key: Any, scope: Scope, period: Period
) -> list[tuple[Any, dict[str, int]]]:
    """(`key`'s value, the roll-up's COUNTERS summed over the scope's rows of the period
    that share it), for `key` a column of the units' daily figures (the unit, the day)."""
    rows = await session.execute(
        select(key, *(func.sum(getattr(UnitDailyFigures, c)).label(c) for c in COUNTERS))
        .where(
            rollup_in(scope),
            UnitDailyFigures.day >= period.first,
            UnitDailyFigures.day <= period.last,
        )
        .group_by(key)
    )
    return [(row[0], {c: int(row._mapping[c] or 0) for c in COUNTERS}) for row in rows]


async def overdue_by_unit(
    session: AsyncSession, scope: Scope, period: Period, now: datetime
) -> dict[str, int]:
    """Open cases received in the period and past their due time at `now`, by unit."""
    late = await session.execute(
        select(RoutedCase.unit_code, func.count())
        .where(cases_in(scope), IS_OPEN, RoutedCase.due_at < now)
        .where(RoutedCase.received_at >= period.start, RoutedCase.received_at < period.end)
        .group_by(RoutedCase.unit_code)
    )
    return {unit: int(n) for unit, n in late}


async def transferred(session: AsyncSession, scope: Scope, period: Period) -> int:
    total = await session.scalar(
        select(func.sum(UnitDailyFigures.received)).where(
            *transferred_out(scope),
            UnitDailyFigures.day >= period.first,
            UnitDailyFigures.day <= period.last,
        )
    )
    return int(total or 0)


# The period report


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
            .where(cases_in(Scope(code, province=province)), held)
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


async def satisfied_by_day(
    session: AsyncSession, scope: Scope, period: Period
) -> list[tuple[date, int, int]]:
    """(local day, satisfied, ratings) of each day of the period with roll-up rows: at most
    366 rows per scope and year, summed over units and first units."""
    rows = await session.execute(
        select(
            UnitDailyFigures.day,
            func.sum(UnitDailyFigures.satisfied),
            func.sum(UnitDailyFigures.ratings),
        )
        .where(
            rollup_in(scope),
            UnitDailyFigures.day >= period.first,
            UnitDailyFigures.day <= period.last,
        )
        .group_by(UnitDailyFigures.day)
    )
    return [(day, int(k or 0), int(n or 0)) for day, k, n in rows]
