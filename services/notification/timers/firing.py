"""Firing a claimed batch of timers in one transaction, with a few statements per batch.

The batch reads its timers (only those still pending and claimed by this replica, locked),
their deadlines (locked), tracked cases and unit contacts with one IN query each, decides every
timer in memory, then writes all the batch's outbox events, notices, history rows and timer
states together. A timer whose deadline was met, moved or ended meanwhile is obsolete. Any
failure raises and rolls the whole batch back: the sweeper then fires the batch's timers one
by one (see `TimerSweeper.fire_batch`), so that one poison timer cannot hold its batch-mates.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.calendar.working_days import local_date
from services.notification.deadlines import repository as clock_queries
from services.notification.deadlines.models import BREACHED, RUNNING, Deadline, TrackedCase
from services.notification.deadlines.service import Cause, Clocks
from services.notification.notices.repository import unit_contacts
from services.notification.notices.service import Notice, official_notices, queue_all
from services.notification.timers import repository
from services.notification.timers.models import FIRED, OBSOLETE
from services.notification.timers.schedule import BREACH
from shared.events import (
    DEADLINE_BREACHED,
    DEADLINE_WARNING,
    DeadlineBreached,
    DeadlineWarning,
    Envelope,
    new_event,
)


@dataclass(frozen=True)
class Outcome:
    """What became of one timer, for the metrics once the batch is committed."""

    kind: str  # "warning" | "breach"
    outcome: str  # "fired" | "obsolete"
    lag_s: float = 0.0


def warning_days(kind: str) -> int:
    """3 for "warning:3"; anything else is not a timer this service plans (a poison timer)."""
    prefix, _, days = kind.partition(":")
    if prefix != "warning" or not days.isdigit():
        raise ValueError(f"unknown timer kind {kind!r}")
    return int(days)


def escalation(clocks: Clocks, d: Deadline) -> list[str]:
    """The unit's head (the unit itself) and the superior unit (the province, or above)."""
    superior = (
        d.province_code
        if d.province_code and d.province_code != d.unit_code
        else clocks.settings.superior_of_province
    )
    return [d.unit_code, superior]


async def fire_claimed(
    session: AsyncSession, clocks: Clocks, owner: str, ids: Sequence[uuid.UUID]
) -> list[Outcome]:
    """Fire the timers among `ids` that are still pending and claimed by `owner`."""
    timers = await repository.claimed(session, ids, owner)
    if not timers:
        return []
    deadlines = {
        d.id: d for d in await clock_queries.locked_by_id(session, {t.deadline_id for t in timers})
    }
    cases = {
        c.case_id: c for c in await clock_queries.tracked(session, {t.case_id for t in timers})
    }
    contacts = await unit_contacts(
        session, {u for d in deadlines.values() for u in escalation(clocks, d)}
    )
    now = clocks.now()
    outcomes: list[Outcome] = []
    events: list[Envelope] = []
    notices: list[Notice] = []
    ended: list[uuid.UUID] = []
    breached: list[Deadline] = []
    for t in timers:  # in firing order: a breach makes a later reminder of its deadline obsolete
        d = deadlines.get(t.deadline_id)
        if d is None or d.state != RUNNING or d.due_at != t.due_at:
            t.state = OBSOLETE
            outcomes.append(Outcome(t.kind.split(":")[0], "obsolete"))
            continue
        context = _context(d, cases.get(d.case_id))
        if t.kind == BREACH:
            events.append(clocks.mark_breached(session, d, Cause(None, "due time passed")))
            ended.append(d.id)
            if d.state == BREACHED:  # not a citizen's window, which expires on nobody
                breached.append(d)
                escalated = escalation(clocks, d)
                events.append(_breached_event(d, escalated, now))
                notices += official_notices(
                    contacts,
                    units=escalated,
                    case_id=d.case_id,
                    template="deadline_breached",
                    context=context,
                    cause=f"breach:{d.id}:{d.due_at.isoformat()}",
                )
        else:
            days = warning_days(t.kind)
            events.append(_warning_event(d, days, now))
            notices += official_notices(
                contacts,
                units=[d.unit_code],
                case_id=d.case_id,
                template="deadline_warning",
                context={**context, "working_days_left": days},
                cause=f"warning:{days}:{d.id}:{d.due_at.isoformat()}",
            )
        t.state, t.fired_at = FIRED, now
        outcomes.append(
            Outcome(t.kind.split(":")[0], "fired", max((now - t.fire_at).total_seconds(), 0.0))
        )
    if ended:
        # What `reschedule` does for an ended deadline: its other pending timers will not fire.
        await repository.cancel_pending(session, ended, but=[t.id for t in timers])
    await clocks.outbox.add(session, *events)
    await queue_all(session, notices, now)
    for d in breached:  # after the breach's events: what the passed deadline starts
        case = cases.get(d.case_id)
        if case is not None:
            await clocks.start_after_passing(session, case, d, Cause(None, f"{d.step} passed"))
    await session.flush()
    return outcomes


def _breached_event(d: Deadline, escalated: list[str], now: datetime) -> Envelope:
    return new_event(
        DEADLINE_BREACHED,
        source="notification",
        case_id=d.case_id,
        at=now,
        data=DeadlineBreached(
            deadline_id=d.id,
            kind=d.step,
            unit_code=d.unit_code,
            due_at=d.due_at,
            escalated_to=escalated,
        ),
    )


def _warning_event(d: Deadline, days_left: int, now: datetime) -> Envelope:
    return new_event(
        DEADLINE_WARNING,
        source="notification",
        case_id=d.case_id,
        at=now,
        data=DeadlineWarning(
            deadline_id=d.id,
            kind=d.step,
            unit_code=d.unit_code,
            due_at=d.due_at,
            working_days_left=days_left,
        ),
    )


def _context(d: Deadline, case: TrackedCase | None) -> dict[str, object]:
    return {
        "case_id": str(d.case_id),
        "tracking_code": case.tracking_code if case is not None else "",
        "case_kind": d.case_kind,
        "step": d.step,
        "unit_code": d.unit_code,
        "due_on": local_date(d.due_at).isoformat(),
        "basis": d.basis,
    }
