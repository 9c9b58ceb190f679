"""A unit's public figures month by month, from the same daily roll-up as the period figures.

One request for a chart of twelve months instead of twelve: the roll-up's rows of the whole
range are read once and added up by local month here (at most one row per unit and day), the
overdue open cases are counted in one pass with a sum per month, and the median of each
month reads only its middle bucket, as the period figures do. Every month's figures are by
construction those of `GET /v1/stats/units/{code}?from=<first day>&to=<last day>`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import IS_OPEN, RoutedCase
from services.routing.stats.median import histogram_by_day, median_of
from services.routing.stats.models import UnitDailyFigures
from services.routing.stats.period import COUNTERS, Period, Scope
from services.routing.stats.repository import rollup_in
from shared.dates import LOCAL_TZ
from shared.errors import Unprocessable

MAX_MONTHS = 36  # three years a request: a chart, not an export (the reports are for that)
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _parse(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    if not MONTH.match(value):
        raise Unprocessable.field(["query", name], "must be a month such as 2026-01")
    return date(int(value[:4]), int(value[5:]), 1)


def _next(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def month_range(from_: str | None, to: str | None, now: datetime) -> list[date]:
    """The first days of the months from..to (YYYY-MM, inclusive); by default the twelve
    months to this one (local time)."""
    last = _parse(to, "to") or now.astimezone(LOCAL_TZ).date().replace(day=1)
    first = _parse(from_, "from")
    if first is None:
        index = last.year * 12 + last.month - 1 - 11
        first = date(index // 12, index % 12 + 1, 1)
    if first > last:
        raise Unprocessable.field(["query", "from"], "from is after to")
    months = [first]
    while months[-1] < last:
        months.append(_next(months[-1]))
        if len(months) > MAX_MONTHS:
            raise Unprocessable.field(["query", "from"], f"at most {MAX_MONTHS} months")
    return months


def _period(first: date, last: date, now: datetime) -> Period:
    return Period.local(first, last, now)


async def by_month(
    session: AsyncSession, scope: Scope, months: list[date], now: datetime
) -> list[dict[str, Any]]:
    """The figures of each month (first days given), in the order given."""
    whole = _period(months[0], _next(months[-1]) - timedelta(days=1), now)
    keys = [m.strftime("%Y-%m") for m in months]
    sums: dict[str, dict[str, int]] = {k: dict.fromkeys(COUNTERS, 0) for k in keys}
    rollup = rollup_in(scope)
    rows = await session.execute(
        select(
            UnitDailyFigures.day,
            *(func.sum(getattr(UnitDailyFigures, c)).label(c) for c in COUNTERS),
        )
        .where(rollup, UnitDailyFigures.day >= whole.first, UnitDailyFigures.day <= whole.last)
        .group_by(UnitDailyFigures.day)
    )
    for row in rows:
        month = sums[row.day.strftime("%Y-%m")]
        for c in COUNTERS:
            month[c] += int(row._mapping[c] or 0)
    overdue = await _overdue(session, scope, months, whole, now)
    transferred = await _transferred(session, scope, whole)
    histograms: dict[str, dict[int, int]] = {k: defaultdict(int) for k in keys}
    for day, days, n in await histogram_by_day(session, scope, whole):
        histograms[day.strftime("%Y-%m")][days] += n
    out = []
    for first, key in zip(months, keys, strict=True):
        figures = sums[key]
        period = _period(first, _next(first) - timedelta(days=1), now)
        median = await median_of(session, scope, period, sorted(histograms[key].items()))
        mean = figures["rating_sum"] / figures["ratings"] if figures["ratings"] else None
        out.append(
            {"month": key, **figures, "overdue": overdue[key]}
            | {"transferred": transferred.get(key, 0), "median_days_to_resolve": median}
            | {"mean_rating": mean}
        )
    return out


async def _overdue(
    session: AsyncSession, scope: Scope, months: list[date], whole: Period, now: datetime
) -> dict[str, int]:
    """Open cases past their due time, by local month of receipt: one pass over the scope's
    open cases of the range (the partial index), a sum per month."""
    cases: ColumnElement[bool] = (
        RoutedCase.province_code == scope.code
        if scope.province
        else RoutedCase.unit_code == scope.code
    )
    bounds = [_period(m, _next(m) - timedelta(days=1), now) for m in months]
    columns = [
        func.sum(
            case(
                ((RoutedCase.received_at >= p.start) & (RoutedCase.received_at < p.end), 1), else_=0
            )
        )
        for p in bounds
    ]
    row = (
        await session.execute(
            select(*columns)
            .where(cases, IS_OPEN, RoutedCase.due_at < now)
            .where(RoutedCase.received_at >= whole.start, RoutedCase.received_at < whole.end)
        )
    ).one()
    return {m.strftime("%Y-%m"): int(n or 0) for m, n in zip(months, row, strict=True)}


async def _transferred(session: AsyncSession, scope: Scope, whole: Period) -> dict[str, int]:
    """As repository._transferred, by local day, added up by month."""
    if scope.province:
        elsewhere = or_(
            UnitDailyFigures.province_code < scope.code, UnitDailyFigures.province_code > scope.code
        )
        where = [UnitDailyFigures.first_unit_code.in_(scope.members), elsewhere]
    else:
        where = [
            UnitDailyFigures.first_unit_code == scope.code,
            UnitDailyFigures.unit_code != scope.code,
        ]
    rows = await session.execute(
        select(UnitDailyFigures.day, func.sum(UnitDailyFigures.received))
        .where(*where, UnitDailyFigures.day >= whole.first, UnitDailyFigures.day <= whole.last)
        .group_by(UnitDailyFigures.day)
    )
    out: dict[str, int] = defaultdict(int)
    for day, n in rows:
        out[day.strftime("%Y-%m")] += int(n or 0)
    return out
