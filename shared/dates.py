"""Dates and times in requests are ISO 8601 strings, strictly: pydantic's lax mode reads a
number as a Unix time (`/overrides/1767225600` would be 2026-01-01, `to=0` 1970-01-01).
A day is a day in Vietnam: `LOCAL_TZ`."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BeforeValidator

# The one time zone of the law's days, the citizens' dates and the statistics' months.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _strict(pattern: re.Pattern[str], example: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if isinstance(value, date):
            return value
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueError(f"must be an ISO 8601 string such as {example}")
        return value

    return BeforeValidator(check)


IsoDate = Annotated[date, _strict(_DATE, "2026-01-01")]
IsoDateTime = Annotated[datetime, _strict(_DATETIME, "2026-01-01T08:00:00+07:00")]
IsoAwareDateTime = Annotated[AwareDatetime, _strict(_DATETIME, "2026-01-01T08:00:00+07:00")]
