"""Each unit's public figures (dân biết): received, accepted, resolved, on time, overdue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.routing.stats import months as by_month
from services.routing.stats import repository, service
from services.routing.stats.period import Period, Scope
from services.routing.stats.satisfaction import KindSatisfaction, satisfaction
from services.routing.stats.schemas import (
    Figures,
    MonthFigures,
    RecommendationFigures,
    UnitFigures,
    UnitMonths,
    UnitStats,
)
from services.routing.supervision import repository as supervision
from services.routing.units.registry import Unit, UnitRegistry
from shared.context import part
from shared.dates import LOCAL_TZ, IsoDate
from shared.db import DbSession, plan_for_these_values
from shared.errors import NotFound, Unprocessable, problem_responses

router = APIRouter(prefix="/v1/stats", tags=["stats"])


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    mean = row.get("mean_rating")
    return {
        k: int(row[k] or 0)
        for k in (
            "received",
            "accepted",
            "rejected",
            "transferred",
            "resolved",
            "resolved_on_time",
            "overdue",
            "ratings",
        )
    } | {
        "median_days_to_resolve": row.get("median_days_to_resolve"),
        "mean_rating": round(float(mean), 2) if mean is not None else None,
    }


def _scope(request: Request, unit_code: str) -> tuple[Unit, Scope]:
    units: UnitRegistry = part(request.app, UnitRegistry)
    unit = units.get(unit_code)
    if unit is None:
        raise NotFound(f"no unit {unit_code}")
    province = unit.level == "province"
    members = (
        (unit.code, *units.communes_of(unit.code), *(a.code for a in units.agencies_of(unit.code)))
        if province
        else ()
    )
    return unit, Scope(unit.code, province=province, members=members)


@router.get(
    "/units/{unit_code}/months",
    response_model=UnitMonths,
    responses=problem_responses(NotFound, Unprocessable),
)
async def unit_months(
    unit_code: str,
    request: Request,
    session: DbSession,
    from_: Annotated[str | None, Query(alias="from", max_length=7, examples=["2026-01"])] = None,
    to: Annotated[str | None, Query(max_length=7, examples=["2026-12"])] = None,
) -> UnitMonths:
    """Public: a unit's figures for each local month of receipt from `from` to `to`
    (YYYY-MM, inclusive, at most 36 months; by default the twelve months to this one), every
    month listed, zeros included. Each month's figures are those of
    `/v1/stats/units/{unit_code}?from=<its first day>&to=<its last day>`, in one request."""
    unit, scope = _scope(request, unit_code)
    now = datetime.now(UTC)
    months = by_month.month_range(from_, to, now)
    await plan_for_these_values(session)
    rows = await by_month.by_month(session, scope, months, now)
    return UnitMonths(
        unit_code=unit.code,
        unit_name=unit.display,
        scope="province" if scope.province else "unit",
        month_from=rows[0]["month"],
        month_to=rows[-1]["month"],
        months=[
            MonthFigures(
                month=r["month"],
                satisfaction=satisfaction(r["satisfied"], r["ratings"]),
                **_figures(r),
            )
            for r in rows
        ],
    )


@router.get(
    "/units/{unit_code}",
    response_model=UnitStats,
    responses=problem_responses(NotFound, Unprocessable),
)
async def unit_stats(
    unit_code: str,
    request: Request,
    session: DbSession,
    from_: Annotated[IsoDate | None, Query(alias="from")] = None,
    to: IsoDate | None = None,
) -> UnitStats:
    """Public: a unit's figures for cases received in [from, to] (local dates, inclusive);
    a province's roll up its communes and agencies, with each unit's own figures."""
    unit, scope = _scope(request, unit_code)
    province = scope.province
    now = datetime.now(UTC)
    period = Period.local(from_, to, now)
    await plan_for_these_values(session)  # overdue: a province's open cases, or a commune's
    totals, rows = await service.figures(session, scope, period, now)
    return UnitStats(
        unit_code=unit.code,
        unit_name=unit.display,
        period_from=period.first,
        period_to=period.last,
        scope="province" if scope.province else "unit",
        figures=Figures(**_figures(totals)),
        by_unit=[
            UnitFigures(
                unit_code=r["unit_code"],
                satisfaction=satisfaction(r["satisfied"], r["ratings"]),
                **_figures(r),
            )
            for r in rows
        ]
        if scope.province
        else [],
        recommendations=RecommendationFigures(
            **await supervision.figures(
                session,
                unit.code,
                province=province,
                start=period.start,
                end=period.end,
                today=now.astimezone(LOCAL_TZ).date(),
            )
        ),
        satisfaction=satisfaction(totals["satisfied"], totals["ratings"]),
        satisfaction_by_kind=[
            KindSatisfaction(kind=kind, **satisfaction(k, n).model_dump())
            for kind, k, n in await repository.satisfied_by_kind(session, scope, period)
        ],
        satisfaction_by_month=await service.satisfied_by_month(session, scope, period),
    )
