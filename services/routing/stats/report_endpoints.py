"""Period reports per unit (dân biết), in JSON or CSV: what a commune or province publishes
each quarter or year on citizen reception and the handling of what citizens brought."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from services.routing.stats import repository as queries
from services.routing.stats.period import Period, Scope
from services.routing.stats.schemas import KindCategoryFigures, PeriodReport
from services.routing.stats.service import board_and_satisfaction
from services.routing.units.registry import Units
from shared.dates import IsoDate
from shared.db import DbSession
from shared.errors import NotFound, Unprocessable, problem_responses

router = APIRouter(prefix="/v1/reports", tags=["stats"])
CSV_COLUMNS = ("kind", "category", *queries.CASE_FIGURES)


@router.get(
    "/units/{unit_code}",
    response_model=PeriodReport,
    responses=problem_responses(NotFound, Unprocessable)
    | {200: {"content": {"text/csv": {}}, "description": "the report (JSON, or CSV)"}},
)
async def period_report(
    unit_code: str,
    units: Units,
    session: DbSession,
    from_: Annotated[IsoDate | None, Query(alias="from")] = None,
    to: IsoDate | None = None,
    format: Literal["json", "csv"] = "json",
) -> PeriodReport | Response:
    """Public: the unit's report for [from, to] (local dates, inclusive; default: this year
    to date). `format=csv` gives the table by kind and category, with a total row and the
    reception figures, in UTF-8 with a byte-order mark (spreadsheets read it as such)."""
    unit = units.get(unit_code)
    if unit is None:
        raise NotFound(f"no unit {unit_code}")
    now = datetime.now(UTC)
    period = Period.local(from_, to, now)
    province = unit.level == "province"
    rows = await queries.by_kind_and_category(session, unit.code, province, period)
    held = await queries.sessions_held(session, unit.code, province, period)
    totals = {k: sum(int(r[k]) for r in rows) for k in queries.CASE_FIGURES}
    report = PeriodReport(
        unit_code=unit.code,
        unit_name=unit.display,
        scope="province" if province else "unit",
        period_from=period.first,
        period_to=period.last,
        **held,
        totals=totals,
        by_kind_and_category=[KindCategoryFigures(**r) for r in rows],
        **await board_and_satisfaction(session, Scope(unit.code, province=province), period, now),
    )
    if format == "json":
        return report
    name = f"report-{unit.code}-{period.first}-{period.last}.csv"
    return Response(
        _csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _csv(report: PeriodReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.by_kind_and_category:
        writer.writerow([row.kind, row.category or "", *(getattr(row, k) for k in CSV_COLUMNS[2:])])
    writer.writerow(["total", "", *(report.totals[k] for k in CSV_COLUMNS[2:])])
    writer.writerow([])
    for name in ("citizens_received", "reception_sessions_held", "dialogues_held"):
        writer.writerow([name, "", getattr(report, name)])
    if report.recommendations is not None:
        for name, value in report.recommendations.model_dump().items():
            writer.writerow([f"recommendations_{name}", "", value])
    if report.satisfaction is not None:  # empty cells: too few ratings for an index
        for name in ("index", "low", "high", "ratings", "satisfied"):
            value = getattr(report.satisfaction, name)
            writer.writerow([f"satisfaction_{name}", "", "" if value is None else value])
    return ("\ufeff" + out.getvalue()).encode()
