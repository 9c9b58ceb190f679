"""The value types of a figures query: whose (a unit, or a province with its members), over
which local days, and the additive counters of the daily roll-up. The lowest module of the
feature: every query module takes them, none of them is imported here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from shared.dates import LOCAL_TZ
from shared.errors import Unprocessable

COUNTERS = (
    "received",
    "accepted",
    "rejected",
    "resolved",
    "resolved_on_time",
    "rating_sum",
    "ratings",
    "satisfied",
)


@dataclass(frozen=True)
class Scope:
    code: str
    province: bool  # roll up everything under the province
    members: tuple[str, ...] = ()  # a province's own code, its communes' and agencies'


@dataclass(frozen=True)
class Period:
    """Local days first..last inclusive, and the same as UTC instants [start, end)."""

    first: date
    last: date
    start: datetime
    end: datetime

    @classmethod
    def local(cls, first: date | None, last: date | None, now: datetime) -> Period:
        """The query's `from`/`to` (local dates, inclusive); by default this year to date."""
        last = last or now.astimezone(LOCAL_TZ).date()
        first = first or date(last.year, 1, 1)
        if first > last:
            raise Unprocessable.field(["query", "from"], "from is after to")
        start = datetime.combine(first, time(0), LOCAL_TZ).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(0), LOCAL_TZ).astimezone(UTC)
        return cls(first, last, start, end)
