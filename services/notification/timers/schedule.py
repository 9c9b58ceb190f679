"""Which timers a deadline needs, kept in step with it: reminders before, a breach at the end."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.calendar.working_days import WorkingDayCalendar
from services.notification.deadlines.models import RUNNING, Deadline
from services.notification.timers import repository
from services.notification.timers.models import CANCELLED, PENDING, Timer
from shared.dates import LOCAL_TZ

BREACH = "breach"


def warning_kind(days_left: int) -> str:
    return f"warning:{days_left}"


def planned(
    d: Deadline,
    calendar: WorkingDayCalendar,
    reminder_days: tuple[int, ...],
    hour: int,
    now: datetime,
) -> list[tuple[str, datetime]]:
    """(kind, fire_at) for a running deadline; reminders already past are not planned."""
    plan: list[tuple[str, datetime]] = []
    for days in sorted(set(reminder_days), reverse=True):
        # The reminder day is the working day `days` working days before the due day.
        day = d.due_on
        for _ in range(days):
            day -= timedelta(days=1)
            while not calendar.is_working_day(day):
                day -= timedelta(days=1)
        fire_at = datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)
        if fire_at >= now and day >= d.starts_on:
            plan.append((warning_kind(days), fire_at))
    # Breached the instant the due day is over.
    plan.append((BREACH, d.due_at + timedelta(microseconds=1)))
    return plan


class Reschedule:
    """Plans a deadline's timers again after each change (the clocks' `Replan`, given them by
    context.py): called, it cancels the pending timers that no longer match the deadline and
    adds the ones it now needs; `new_timers` are the rows of a deadline just started, for
    the clocks' statement that writes it, its history, its timers and its event at once."""

    @property
    def table(self) -> Table:
        return _TIMERS

    def new_timers(
        self,
        d: Deadline,
        calendar: WorkingDayCalendar,
        reminder_days: tuple[int, ...],
        hour: int,
        now: datetime,
    ) -> list[dict[str, Any]]:
        """The timers of a running deadline that has none yet (every column given)."""
        plan = planned(d, calendar, reminder_days, hour, now)
        return [_row(d, kind, fire_at) for kind, fire_at in plan]

    async def __call__(
        self,
        session: AsyncSession,
        d: Deadline,
        calendar: WorkingDayCalendar,
        reminder_days: tuple[int, ...],
        hour: int,
        now: datetime,
        *,
        new: bool = False,
    ) -> None:
        """`new`: the deadline was added in this transaction, and has no timers to look up."""
        wanted = planned(d, calendar, reminder_days, hour, now) if d.state == RUNNING else []
        wanted_keys = {(kind, d.due_at) for kind, _ in wanted}
        existing = [] if new else await repository.of_deadline(session, d.id)
        by_key = {(t.kind, t.due_at): t for t in existing}
        for t in existing:
            if t.state == PENDING and (t.kind, t.due_at) not in wanted_keys:
                t.state = CANCELLED
        added: list[dict[str, Any]] = []
        for kind, fire_at in wanted:
            timer = by_key.get((kind, d.due_at))
            if timer is None:
                added.append(_row(d, kind, fire_at))
            elif timer.state == CANCELLED:
                # Paused and resumed to the same due time: the same reminder, pending again.
                timer.state, timer.fire_at, timer.claimed_by, timer.lease_until = (
                    PENDING,
                    fire_at,
                    None,
                    None,
                )
            # fired: it happened once for this due time and never again
        await session.flush()
        await repository.add_timers(session, added)


def _row(d: Deadline, kind: str, fire_at: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "deadline_id": d.id,
        "case_id": d.case_id,
        "kind": kind,
        "due_at": d.due_at,
        "fire_at": fire_at,
        "state": PENDING,
        "attempts": 0,
    }


_TIMERS = cast(Table, Timer.__table__)
reschedule = Reschedule()
