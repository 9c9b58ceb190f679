from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.notification.calendar import repository
from services.notification.calendar.models import CalendarOverride
from services.notification.calendar.schemas import (
    Day,
    DayList,
    DeadlineMoved,
    OverrideList,
    OverrideRead,
    OverrideWrite,
)
from services.notification.calendar.service import CalendarHooks, CalendarHooksDep
from services.notification.calendar.working_days import Calendar
from shared.auth import CurrentPrincipal, Principal, Role
from shared.dates import IsoDate
from shared.db import DbSession
from shared.errors import Forbidden, NotFound, Unauthorized, Unprocessable, problem_responses

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])


async def _reload_after_commit(hooks: CalendarHooksDep) -> AsyncIterator[None]:
    yield
    # Declared before DbSession, so this runs once the correction is committed and before the
    # answer leaves: the next request on this replica already counts with it. Other replicas
    # pick it up within TIEPDAN_NOTIFY_REFRESH_SECONDS.
    await hooks.reload()


ReloadAfterCommit = Annotated[None, Depends(_reload_after_commit, scope="function")]
MAX_SPAN = timedelta(days=400)
_ADMIN = problem_responses(Unauthorized, Forbidden, NotFound, Unprocessable)


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
    return OverrideList(items=[_override(o) for o in await repository.overrides(session)])


async def _move_deadlines(
    hooks: CalendarHooks,
    session: DbSession,
    day: date,
    working: bool | None,
    reason: str,
    dry: bool,
) -> list[DeadlineMoved]:
    """The running deadlines the corrected day moves, on the calendar as it will be."""
    why = f"calendar corrected on {day.isoformat()}: {reason}"
    return await hooks.move_deadlines(session, day, working, why, dry)


@router.put("/overrides/{day}", response_model=OverrideRead, responses=_ADMIN)
async def put_override(
    day: IsoDate,
    body: OverrideWrite,
    hooks: CalendarHooksDep,
    _: ReloadAfterCommit,
    session: DbSession,
    principal: CurrentPrincipal,
    dry_run: bool = False,
) -> OverrideRead:
    """Make a day working or a day off (a swap, a holiday the library does not know); the
    running deadlines it changes move (`dry_run=true`: list them, change nothing)."""
    _admin(principal)
    now = datetime.now(UTC)
    moved = await _move_deadlines(hooks, session, day, body.working, body.reason, dry_run)
    if dry_run:
        return OverrideRead(
            date=day, **body.model_dump(), changed_by=principal.sub, changed_at=now,
            dry_run=True, moved=moved,
        )  # fmt: skip
    row = await repository.save_override(
        session, day, working=body.working, reason=body.reason, by=principal.sub, at=now
    )
    return _override(row).model_copy(update={"moved": moved})


@router.delete("/overrides/{day}", status_code=204, responses=_ADMIN)
async def delete_override(
    day: IsoDate,
    hooks: CalendarHooksDep,
    _: ReloadAfterCommit,
    session: DbSession,
    principal: CurrentPrincipal,
) -> None:
    """Remove a correction: the day follows the statutory calendar again, and the running
    deadlines it changes move back."""
    _admin(principal)
    row = await repository.override(session, day)
    if row is None:
        raise NotFound(f"no override for {day}")
    await _move_deadlines(hooks, session, day, None, f"correction removed ({row.reason})", False)
    await repository.remove(session, row)
