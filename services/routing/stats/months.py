"""A unit's public figures month by month, from the same daily roll-up as the period figures.

One request for a chart of twelve months instead of twelve: the roll-up's rows of the whole
range are read once and added up by local month here (at most one row per unit and day), the
overdue open cases are counted in one pass with a sum per month, and the median of each
month reads only its middle bucket, as the period figures do. Every month's figures are by
construction those of `GET /v1/stats/units/{code}?from=<first day>&to=<last day>`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.stats import repository
from services.routing.stats.median import median_of
from services.routing.stats.period import COUNTERS, Period, Scope
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


def month_of(day: date) -> str:
    return day.strftime("%Y-%m")


def add_up(rows: Iterable[tuple[date, dict[str, int]]], keys: list[str]) -> dict[str, Counter[str]]:
    """Each month's counters (months `keys`, YYYY-MM): the days' rows added up by month, a
    month without rows at zero."""
    sums = {k: Counter(dict.fromkeys(COUNTERS, 0)) for k in keys}
    for day, counters in rows:
        sums[month_of(day)].update(counters)
    return sums


async def by_month(
    session: AsyncSession, scope: Scope, months: list[date], now: datetime
) -> list[dict[str, Any]]:
    """The figures of each month (first days given), in the order given."""
    whole = _period(months[0], _next(months[-1]) - timedelta(days=1), now)
    keys = [month_of(m) for m in months]
    sums = add_up(await repository.sums_by_day(session, scope, whole), keys)
    bounds = [_period(m, _next(m) - timedelta(days=1), now) for m in months]
    overdue = dict(
        zip(keys, await repository.overdue_in(session, scope, bounds, whole, now), strict=True)
    )
    transferred: Counter[str] = Counter()
    for day, n in await repository.transferred_by_day(session, scope, whole):
        transferred[month_of(day)] += n
    histograms: dict[str, Counter[int]] = {k: Counter() for k in keys}
    for day, days, n in await repository.histogram_by_day(session, scope, whole):
        histograms[month_of(day)][days] += n
    out = []
    for period, key in zip(bounds, keys, strict=True):
        figures = dict(sums[key])
        median = await median_of(session, scope, period, sorted(histograms[key].items()))
        mean = figures["rating_sum"] / figures["ratings"] if figures["ratings"] else None
        out.append(
            {"month": key, **figures, "overdue": overdue[key]}
            | {"transferred": transferred[key], "median_days_to_resolve": median}
            | {"mean_rating": mean}
        )
    return out
