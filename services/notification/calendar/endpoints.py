from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from shared.errors import Unprocessable, problem_responses

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])
MAX_SPAN = timedelta(days=400)


class Day(BaseModel):
    date: date
    working: bool
    reason: str | None


class DayList(BaseModel):
    items: list[Day]


@router.get("/working-days", response_model=DayList, responses=problem_responses(Unprocessable))
async def working_days(
    request: Request,
    from_: Annotated[date, Query(alias="from")],
    to: Annotated[date, Query()],
) -> DayList:
    """The working-day calendar: each day, working or not, and why not."""
    if to < from_ or to - from_ > MAX_SPAN:
        raise Unprocessable.field(["query", "to"], "must be on or after `from`, within 400 days")
    calendar = request.app.state.calendar
    days = [from_ + timedelta(days=i) for i in range((to - from_).days + 1)]
    return DayList(
        items=[
            Day(date=d, working=calendar.is_working_day(d), reason=calendar.day_off_reason(d))
            for d in days
        ]
    )
