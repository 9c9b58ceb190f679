from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.notification.calendar.models import CalendarOverride
from services.notification.calendar.working_days import Calendar, WorkingDayCalendar
from services.notification.deadlines.recompute import recompute
from services.notification.deadlines.schemas import DeadlineMoved
from services.notification.deadlines.service import Clocks, DeadlineClocks
from shared.auth import CurrentPrincipal, Principal, Role
from shared.dates import IsoDate
from shared.db import DbSession
from shared.errors import Forbidden, NotFound, Unauthorized, Unprocessable, problem_responses
from shared.kernel import KernelDep

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])


async def _reload_after_commit(clocks: DeadlineClocks, kernel: KernelDep) -> AsyncIterator[None]:
    yield
    # Declared before DbSession, so this runs once the correction is committed and before the
    # answer leaves: the next request on this replica already counts with it. Other replicas
    # pick it up within TIEPDAN_NOTIFY_REFRESH_SECONDS.
    await clocks.reference.reload(kernel.database)


ReloadAfterCommit = Annotated[None, Depends(_reload_after_commit, scope="function")]
MAX_SPAN = timedelta(days=400)
_ADMIN = problem_responses(Unauthorized, Forbidden, NotFound, Unprocessable)


class Day(BaseModel):
    date: date
    working: bool
    reason: str | None


class DayList(BaseModel):
    items: list[Day]


@router.get("/working-days", response_model=DayList, responses=problem_responses(Unprocessable))
async def working_days(
    calendar: Calendar,
    from_: Annotated[IsoDate, Query(alias="from")],
    to: Annotated[IsoDate, Query()],
) -> DayList:
    """The working-day calendar: each day, working or not, and why not."""
    if to < from_ or to - from_ > MAX_SPAN:
        raise Unprocessable.field(["query", "to"], "must be on or after `from`, within 400 days")
    days = [from_ + timedelta(days=i) for i in range((to - from_).days + 1)]
    return DayList(
        items=[
            Day(date=d, working=calendar.is_working_day(d), reason=calendar.day_off_reason(d))
            for d in days
        ]
    )


class OverrideWrite(BaseModel):
    working: bool
    reason: str = Field(min_length=1, max_length=300)


class OverrideRead(OverrideWrite):
    date: date
    changed_by: str
    changed_at: datetime
    # The running deadlines the correction moved (on a dry run: would move; nothing stored).
    dry_run: bool = False
    moved: list[DeadlineMoved] = Field(default_factory=list)


class OverrideList(BaseModel):
    items: list[OverrideRead]


def _admin(principal: Principal) -> None:
    if principal.role is not Role.admin:
        raise Forbidden("administrators only")


def _override(o: CalendarOverride) -> OverrideRead:
    return OverrideRead(
        date=o.day,
        working=o.working,
        reason=o.reason,
        changed_by=o.changed_by,
        changed_at=o.changed_at,
    )


@router.get("/overrides", response_model=OverrideList, responses=_ADMIN)
async def list_overrides(session: DbSession, principal: CurrentPrincipal) -> OverrideList:
    """The administrators' corrections of the calendar (the year's official schedule)."""
    _admin(principal)
    rows = (
        await session.execute(select(CalendarOverride).order_by(CalendarOverride.day))
    ).scalars()
    return OverrideList(items=[_override(o) for o in rows])


async def _move_deadlines(
    clocks: Clocks, session: DbSession, day: date, working: bool | None, reason: str, dry: bool
) -> list[DeadlineMoved]:
    """The running deadlines the corrected day moves, on the calendar as it will be."""
    reference = clocks.reference
    days = dict(reference.calendar.overrides)
    if working is None:
        days.pop(day, None)
    else:
        days[day] = working
    return await recompute(
        session,
        clocks,
        calendar=WorkingDayCalendar(days),
        book=reference.book,
        reason=f"calendar corrected on {day.isoformat()}: {reason}",
        dry_run=dry,
        day=day,
    )


@router.put("/overrides/{day}", response_model=OverrideRead, responses=_ADMIN)
async def put_override(
    day: IsoDate,
    body: OverrideWrite,
    clocks: DeadlineClocks,
    _: ReloadAfterCommit,
    session: DbSession,
    principal: CurrentPrincipal,
    dry_run: bool = False,
) -> OverrideRead:
    """Make a day working or a day off (a swap, a holiday the library does not know); the
    running deadlines it changes move (`dry_run=true`: list them, change nothing)."""
    _admin(principal)
    now = datetime.now(UTC)
    moved = await _move_deadlines(clocks, session, day, body.working, body.reason, dry_run)
    if dry_run:
        return OverrideRead(
            date=day, **body.model_dump(), changed_by=principal.sub, changed_at=now,
            dry_run=True, moved=moved,
        )  # fmt: skip
    row = await session.get(CalendarOverride, day, with_for_update=True)
    if row is None:
        row = CalendarOverride(day=day)
        session.add(row)
    row.working, row.reason = body.working, body.reason
    row.changed_by, row.changed_at = principal.sub, now
    await session.flush()
    return _override(row).model_copy(update={"moved": moved})


@router.delete("/overrides/{day}", status_code=204, responses=_ADMIN)
async def delete_override(
    day: IsoDate,
    clocks: DeadlineClocks,
    _: ReloadAfterCommit,
    session: DbSession,
    principal: CurrentPrincipal,
) -> None:
    """Remove a correction: the day follows the statutory calendar again, and the running
    deadlines it changes move back."""
    _admin(principal)
    row = await session.get(CalendarOverride, day)
    if row is None:
        raise NotFound(f"no override for {day}")
    await _move_deadlines(clocks, session, day, None, f"correction removed ({row.reason})", False)
    await session.delete(row)
    await session.flush()
