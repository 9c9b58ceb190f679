"""A unit's period report: the figures provinces publish on citizen reception and case
handling (citizens received, dialogues held, cases received and resolved by kind and
category).

Cases are those received in the period, counted where they are now (as the public
figures), summed from their daily roll-up by kind and category; sessions are those held in
the period, at the unit that now has the case. A province's report covers its own cases,
its communes' and its agencies'.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import RoutedCase
from services.routing.reception.models import Dialogue
from services.routing.stats.models import DailyKindFigures
from services.routing.stats.period import Period

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
