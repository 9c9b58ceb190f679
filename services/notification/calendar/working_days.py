# Working days for statutory deadlines: design/domain.md, "Deadlines".

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Annotated

from shared.context import provided
from shared.dates import LOCAL_TZ

if TYPE_CHECKING:
    from holidays import HolidayBase

_ONE_DAY = timedelta(days=1)

# One shared holidays.VN: it carries the Labour Code holidays, the observed
# (nghỉ bù) days and the government's swaps it knows (the swapped Saturdays live
# in its `weekend_workdays`, which `is_working_day` consults). It expands years
# lazily by mutating itself, and FastAPI runs sync code in a thread pool, so
# expansion happens under a lock; answers are memoised so deadline loops do not
# go through the library's key normalisation on every step. The language is
# pinned: otherwise holiday names follow the process locale (LANG=C gives English).
_VN_LOCK = threading.Lock()


@cache
def _vietnam() -> HolidayBase:
    # Built on the first question, not at import: `holidays` imports every country's rules
    # (a tenth of a second or more of each start, before the service is ready; issue 15).
    import holidays

    vietnam: HolidayBase = holidays.country_holidays("VN", expand=True, language="vi")
    return vietnam


@lru_cache(maxsize=8192)
def _statutory_day_off(day: date) -> str | None:
    with _VN_LOCK:
        vietnam = _vietnam()
        if vietnam.is_working_day(day):
            return None
        name = vietnam.get(day)
    # A holiday on a weekend is reported by its name: that is what makes the
    # following weekday a compensatory day off.
    return name if name is not None else "weekend"


def local_date(moment: datetime) -> date:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: the local day of an instant needs a timezone")
    return moment.astimezone(LOCAL_TZ).date()


def end_of_local_day(day: date) -> datetime:
    # Civil Code art. 148(1): a period in days ends at the end of its last day.
    return datetime.combine(day, time.max, tzinfo=LOCAL_TZ)


class WorkingDayCalendar:
    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        # Each year's official schedule (decided by the Prime Minister, often late
        # in the previous year) may differ from what the library knows.
        self._overrides: dict[date, bool] = dict(overrides or {})

    def set_overrides(self, overrides: Mapping[date, bool]) -> None:
        """Replace the administrators' corrections (reloaded from the database)."""
        self._overrides = dict(overrides)

    @property
    def overrides(self) -> Mapping[date, bool]:
        return dict(self._overrides)

    def is_working_day(self, day: date) -> bool:
        # datetime is a date subclass; accepting it would silently miss overrides.
        if isinstance(day, datetime):
            raise TypeError("expected a date, got a datetime: use local_date() first")
        override = self._overrides.get(day)
        if override is not None:
            return override
        return _statutory_day_off(day) is None

    def day_off_reason(self, day: date) -> str | None:
        if self.is_working_day(day):
            return None
        if day in self._overrides:
            return "override"
        return _statutory_day_off(day)

    def next_working_day(self, day: date) -> date:
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, start: date, days: int) -> date:
        # The day of the event is never counted (Civil Code art. 147), even when
        # it is itself a working day.
        if days < 1:
            raise ValueError(f"days must be >= 1, got {days}")
        day = start
        for _ in range(days):
            day = self.next_working_day(day)
        return day

    def add_calendar_days(self, start: date, days: int) -> date:
        # Civil Code art. 147: counting starts the day after the event;
        # art. 148(1): it ends at the end of its last day; art. 148(5): a last
        # day that is a rest day or holiday moves to the next working day.
        if days < 1:
            raise ValueError(f"days must be >= 1, got {days}")
        end = start + timedelta(days=days)
        return end if self.is_working_day(end) else self.next_working_day(end)

    def working_days_between(self, start: date, end: date) -> list[date]:
        result: list[date] = []
        day = start + _ONE_DAY
        while day <= end:
            if self.is_working_day(day):
                result.append(day)
            day += _ONE_DAY
        return result


Calendar = Annotated[WorkingDayCalendar, provided(WorkingDayCalendar)]  # the service's own
