"""A correction of the calendar or of a policy moves the running deadlines it changes.

An official Tết schedule entered in January must move the deadlines already running across it;
a corrected period moves the clocks that run under it. Each move is in the deadline's history
with the correction that caused it, and `deadline.set` is announced again so that routing's
queues and the citizen's view follow. A dry run lists what would move and writes nothing.

The calendar and the policies are below the deadlines: the service registers
`calendar_corrected` and `policy_corrected` as what their corrections set off (context.py).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.calendar.schemas import DeadlineMoved
from services.notification.calendar.working_days import WorkingDayCalendar, end_of_local_day
from services.notification.deadlines import repository
from services.notification.deadlines.models import Deadline, TrackedCase
from services.notification.deadlines.service import Cause, Clocks
from services.notification.policies.reference import Reference
from services.notification.policies.rules import Policy, PolicyBook, Unit, add_days


def _period(policy: Policy, d: Deadline, remote: bool) -> tuple[int, Unit]:
    """The period a clock has under a (corrected) policy, with the extensions it was granted."""
    duration, unit = policy.period(remote=remote, complexity=d.complexity)
    for granted in range(d.extensions):
        if d.complexity is None or policy.extension_refusal(d.complexity, granted) is not None:
            break
        duration = policy.extended_duration(duration, d.complexity, remote=remote)
    return duration, unit


async def recompute(
    session: AsyncSession,
    clocks: Clocks,
    *,
    calendar: WorkingDayCalendar,
    book: PolicyBook,
    reason: str,
    dry_run: bool,
    day: date | None = None,
    policy_id: str | None = None,
) -> list[DeadlineMoved]:
    """Move the running deadlines a corrected `day` of the calendar, or a corrected policy,
    changes; returns them (before and after). Nothing is written on a dry run."""
    # A period ending before the corrected day is untouched.
    rows = await repository.running(session, due_from=day, policy_id=policy_id, lock=not dry_run)
    reference = Reference(book, calendar)
    clocks = clocks.under(reference)
    moved: list[DeadlineMoved] = []
    for d in rows:
        anchor = d.anchor_on or d.starts_on
        if day is not None and anchor >= day:
            continue  # the period starts after the corrected day
        duration, unit = d.duration, Unit(d.day_unit)
        policy = book.get(d.policy_id) if policy_id is not None else None
        if policy is not None and not policy.committed:
            case = await session.get(TrackedCase, d.case_id)
            duration, unit = _period(policy, d, remote=bool(case and case.remote))
        due_on = add_days(calendar, unit, anchor, duration - d.used_days)
        if due_on == d.due_on and duration == d.duration:
            continue
        moved.append(
            DeadlineMoved(
                deadline_id=d.id,
                case_id=d.case_id,
                step=d.step,
                policy_id=d.policy_id,
                due_on_before=d.due_on,
                due_on_after=due_on,
            )
        )
        if dry_run:
            continue
        d.duration, d.day_unit, d.due_on, d.due_at = (
            duration,
            unit.value,
            due_on,
            end_of_local_day(due_on),
        )
        if policy is not None:
            d.basis = policy.basis
        await clocks.recomputed(session, d, Cause(None, reason))
    return moved


async def calendar_corrected(
    clocks: Clocks,
    session: AsyncSession,
    day: date,
    working: bool | None,
    reason: str,
    dry_run: bool,
) -> list[DeadlineMoved]:
    """The running deadlines a corrected day moves (`working` None: the correction removed),
    on the calendar as it will be."""
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
        reason=reason,
        dry_run=dry_run,
        day=day,
    )


async def policy_corrected(
    clocks: Clocks,
    session: AsyncSession,
    book: PolicyBook,
    policy_id: str,
    reason: str,
    dry_run: bool,
) -> list[DeadlineMoved]:
    """The running deadlines under a corrected policy move, with `book` as it will be."""
    return await recompute(
        session,
        clocks,
        calendar=clocks.reference.calendar,
        book=book,
        reason=reason,
        dry_run=dry_run,
        policy_id=policy_id,
    )
