"""The clocks' commands: start, meet, extend, pause, resume, breach, cancel.

Every change is recorded in `deadline_changes`, announced as `deadline.set` through the
outbox in the caller's transaction, and re-plans the deadline's timers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Protocol

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.calendar.working_days import WorkingDayCalendar, end_of_local_day
from services.notification.clock import Clock
from services.notification.deadlines import repository
from services.notification.deadlines.models import (
    BREACHED,
    CANCELLED,
    MET,
    OPEN_STATES,
    PAUSED,
    RUNNING,
    Deadline,
    DeadlineChange,
    TrackedCase,
)
from services.notification.policies.reference import Reference
from services.notification.policies.rules import Policy, Unit, add_days, days_used
from services.notification.settings import NotifySettings
from shared.context import provided
from shared.db import dialect_of
from shared.events import DEADLINE_SET, DeadlineSet, Envelope, new_event
from shared.messaging.outbox import Outbox

SOURCE = "notification"
EXPIRED = "expired"  # a citizen's window (appeal) that ran out: nobody is at fault


@dataclass
class Cause:
    """Why a deadline changes: the event (for idempotency and history), its reason, decision."""

    event_id: uuid.UUID | None = None
    reason: str | None = None
    decision_ref: str | None = None


class Replan(Protocol):
    """Plans a deadline's timers again after each change: timers/schedule.py's `reschedule`,
    given by the service (context.py), since the timers are above the deadlines (their
    sweeper fires the clocks). `new`: the deadline was added in this transaction, so it has
    no timers yet to look up."""

    @property
    def table(self) -> Table:
        """The timers' table, which a new clock's statement writes its timers into."""

    def new_timers(
        self,
        d: Deadline,
        calendar: WorkingDayCalendar,
        reminder_days: tuple[int, ...],
        hour: int,
        now: datetime,
    ) -> list[dict[str, Any]]:
        """The rows of the timers a clock just started needs (it has none yet)."""

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
    ) -> None: ...


class Clocks:
    def __init__(
        self,
        outbox: Outbox,
        reference: Reference,
        settings: NotifySettings,
        now: Clock,
        replan: Replan,
    ) -> None:
        # The clocks' own events only: deadline.set here, the timers' warnings and breaches
        # (timers/firing.py). Notices reach the outbox through their own dependencies.
        self.outbox = outbox
        self.reference = reference
        self.settings = settings
        self.now = now
        self.replan = replan

    def under(self, reference: Reference) -> Clocks:
        """The same clocks counting with other reference data (a correction's)."""
        return Clocks(self.outbox, reference, self.settings, self.now, self.replan)

    @property
    def calendar(self) -> WorkingDayCalendar:
        return self.reference.calendar

    async def open_deadlines(
        self, session: AsyncSession, case_id: uuid.UUID, steps: tuple[str, ...] | None = None
    ) -> list[Deadline]:
        return await repository.open_of_case(session, case_id, steps)

    async def start(
        self,
        session: AsyncSession,
        case: TrackedCase,
        policy: Policy,
        start_on: date,
        cause: Cause,
        *,
        round_: int = 0,
        complexity: str | None = None,
        period: tuple[int, Unit] | None = None,
    ) -> Deadline | None:
        """A new clock, unless this case already has one for the step in this round;
        `period` instead of the policy's: a date the unit committed to (follow-up actions)."""
        duration, unit = period or policy.period(remote=case.remote, complexity=complexity)
        due_on = add_days(self.calendar, unit, start_on, duration)
        now = self.now()
        clock: dict[str, Any] = dict(
            id=uuid.uuid4(),
            case_id=case.case_id,
            case_kind=case.kind,
            step=policy.step,
            round=round_,
            unit_code=case.unit_code,
            province_code=case.province_code,
            policy_id=policy.id,
            basis=policy.basis,
            starts_on=start_on,
            due_on=due_on,
            # In UTC, as the database gives it back: the clock's deadline.set tells it so.
            due_at=end_of_local_day(due_on).astimezone(UTC),
            state=RUNNING,
            created_at=now,
            day_unit=unit.value,
            duration=duration,
            anchor_on=start_on,
            used_days=0,
            extensions=0,
            complexity=complexity,
            updated_at=now,
        )
        if dialect_of(session) == "postgresql":
            return await self._start_at_once(session, clock, cause, now)
        deadline = await repository.add_clock(session, **clock)
        if deadline is None:
            return None  # the case has this step's clock in this round already
        await self._changed(session, deadline, "set", cause, now=now, new=True)
        return deadline

    async def _start_at_once(
        self, session: AsyncSession, clock: dict[str, Any], cause: Cause, now: datetime
    ) -> Deadline | None:
        """`start` on PostgreSQL: the clock, its history's "set", its timers and its
        deadline.set in one statement, one round trip (four took one each); the three
        after the clock are written only if the clock is (not if the case has it already).
        They are what `_changed` writes for a new clock, taken from the clock's values."""
        d = Deadline(**clock)  # not added to the session: what the rows below tell of it
        timers = self.replan.new_timers(
            d,
            self.calendar,
            self.settings.reminder_working_days,
            self.settings.reminder_hour,
            now,
        )
        deadline = await repository.add_clock_at_once(
            session,
            clock,
            self._change(d, "set", cause),
            self.replan.table,
            timers,
            self.outbox.table,
            self.outbox.row(self._set_event(d, now), now),
        )
        if deadline is not None:
            self.outbox.added(session)
        return deadline

    async def start_after_passing(
        self, session: AsyncSession, case: TrackedCase, d: Deadline, cause: Cause
    ) -> None:
        """The clocks a step's passed deadline starts (Khiếu nại Điều 7, 33: with a complaint
        neither accepted nor resolved in time, the appeal window runs from the day the accept or
        resolve deadline passed)."""
        for policy in self.reference.book.in_force(
            case.kind,
            f"{d.step}_deadline_passed",
            case.received_on,
            second_time=case.second_time,
        ):
            # The starting day is the period's last day (due_on), not counted (BLDS Điều 147):
            # whenever the sweeper fired, the window is the same. A window already opened by an
            # earlier passing (accept, Điều 7) runs again from a later one (resolve) if longer.
            started = await self.start(session, case, policy, d.due_on, cause, round_=d.round)
            if started is None and len(policy.starts) > 1:
                await self.replace_if_later(session, case, policy, d.due_on, cause, round_=d.round)

    async def replace_if_later(
        self,
        session: AsyncSession,
        case: TrackedCase,
        policy: Policy,
        start_on: date,
        cause: Cause,
        *,
        round_: int = 0,
    ) -> bool:
        """A clock started by one of its policy's events, started again by another: the later
        period wins (a decision after the resolve deadline passed gives the citizen the full
        window from the decision, Khiếu nại Điều 33), even if the first has expired. A clock
        met (the citizen appealed) or cancelled stays as it is; nothing ever shortens."""
        d = await repository.locked_clock(session, case.case_id, policy.step, round_)
        if d is None or d.state in (MET, CANCELLED):
            return False
        duration, unit = policy.period(remote=case.remote, complexity=d.complexity)
        due_on = add_days(self.calendar, unit, start_on, duration)
        if due_on <= d.due_on and d.state != PAUSED:  # a window held open always restarts
            return False
        was = f"from {d.starts_on.isoformat()} to {d.due_on.isoformat()} ({d.state})"
        _run_from(d, policy, unit, duration, start_on)
        d.due_on, d.due_at = due_on, end_of_local_day(due_on)
        d.state, d.breached_at = RUNNING, None
        reason = f"runs from {start_on.isoformat()} ({cause.reason}), replacing the one {was}"
        await self._changed(
            session, d, "replaced", Cause(cause.event_id, reason, cause.decision_ref)
        )
        return True

    async def rearm(
        self,
        session: AsyncSession,
        case: TrackedCase,
        policy: Policy,
        start_on: date,
        cause: Cause,
        *,
        round_: int = 0,
    ) -> bool:
        """A step owed again from a later start (a second suspension decision is sent within
        its own 5 working days, Tố cáo Điều 34): the step's clock in this round, once met or
        cancelled, runs again from `start_on`; its history keeps the earlier period. A clock
        still owed keeps its earlier, stricter due date; a replayed start changes nothing."""
        d = await repository.locked_clock(session, case.case_id, policy.step, round_)
        if d is None or d.state not in (MET, CANCELLED) or start_on <= d.starts_on:
            return False
        duration, unit = policy.period(remote=case.remote, complexity=None)
        _run_from(d, policy, unit, duration, start_on)
        d.due_on = add_days(self.calendar, unit, start_on, duration)
        d.due_at = end_of_local_day(d.due_on)
        d.state, d.met_at, d.breached_at, d.extensions, d.complexity = RUNNING, None, None, 0, None
        await self._changed(session, d, "set", cause)
        return True

    async def hold_open(self, session: AsyncSession, d: Deadline, on: date, cause: Cause) -> None:
        """A citizen's window that waits, open and without an end, for the event that restarts
        it (a decision made: the appeal window runs from its receipt, Khiếu nại Điều 33)."""
        if d.state == PAUSED:
            return
        d.paused_on, d.state, d.breached_at = on, PAUSED, None
        await self._changed(session, d, "held_open", cause)

    async def recomputed(self, session: AsyncSession, d: Deadline, cause: Cause) -> None:
        """Record and announce a due date moved by a correction of the calendar or a policy."""
        await self._changed(session, d, "recomputed", cause)

    async def meet(self, session: AsyncSession, d: Deadline, cause: Cause) -> None:
        # A step done late is met all the same; breached_at keeps that it was late.
        d.state, d.met_at = MET, self.now()
        await self._changed(session, d, "met", cause)

    async def cancel(self, session: AsyncSession, d: Deadline, cause: Cause) -> None:
        d.state = CANCELLED
        await self._changed(session, d, "cancelled", cause)

    async def pause(self, session: AsyncSession, d: Deadline, on: date, cause: Cause) -> None:
        if d.state != RUNNING:
            return
        d.used_days += days_used(self.calendar, Unit(d.day_unit), d.anchor_on or d.starts_on, on)
        d.paused_on, d.state = on, PAUSED
        await self._changed(session, d, "paused", cause)

    async def resume(self, session: AsyncSession, d: Deadline, on: date, cause: Cause) -> None:
        # The remaining time continues from the decision to continue (the day is not counted).
        if d.state != PAUSED:
            return
        d.anchor_on, d.paused_on, d.state = on, None, RUNNING
        self._recompute(d)
        await self._changed(session, d, "resumed", cause)

    async def extend(
        self,
        session: AsyncSession,
        d: Deadline,
        policy: Policy,
        complexity: str,
        cause: Cause,
        *,
        remote: bool,
    ) -> str | None:
        """Extend as the policy allows; returns why it was refused, or None when extended."""
        if policy.extension is not None and d.state not in OPEN_STATES:
            refusal: str | None = f"the deadline is {d.state}"
        else:
            refusal = policy.extension_refusal(complexity, d.extensions)
        ext = policy.extension
        if refusal is None and ext is not None and ext.needs_decision and not cause.decision_ref:
            refusal = "each extension needs a written decision (decision_ref)"
        if refusal is not None:
            await self._history(
                session, d, "extension_refused", Cause(cause.event_id, refusal, cause.decision_ref)
            )
            return refusal
        d.duration = policy.extended_duration(d.duration, complexity, remote=remote)
        d.extensions += 1
        d.complexity = complexity
        if d.state == RUNNING:
            self._recompute(d)
        await self._changed(session, d, "extended", cause)
        return None

    async def lengthen(
        self, session: AsyncSession, d: Deadline, policy: Policy, variant: str, cause: Cause
    ) -> None:
        """The period of a variant the case turned out to qualify for (several places: 10
        working days to classify instead of 7), counted from the same start; never shorter."""
        if variant not in policy.variants or d.complexity == variant:
            return
        d.duration = max(d.duration, policy.variants[variant].duration)
        d.complexity = variant
        if d.state == RUNNING:
            self._recompute(d)
        await self._changed(session, d, "extended", cause)

    async def breach(self, session: AsyncSession, d: Deadline, cause: Cause) -> None:
        d.breached_at = self.now()
        d.state = EXPIRED if self._citizen_window(d) else BREACHED
        await self._changed(session, d, d.state, cause)

    def mark_breached(self, session: AsyncSession, d: Deadline, cause: Cause) -> Envelope:
        """`breach` for the sweeper's batch, which writes many at once: the caller cancels
        the deadline's pending timers and adds the returned `deadline.set` to the outbox."""
        now = self.now()
        d.breached_at, d.updated_at = now, now
        d.state = EXPIRED if self._citizen_window(d) else BREACHED
        session.add(DeadlineChange(**self._change(d, d.state, cause)))
        return self._set_event(d, now)

    def _citizen_window(self, d: Deadline) -> bool:
        policy = self.reference.book.get(d.policy_id)
        return policy is not None and policy.party == "citizen"

    def _recompute(self, d: Deadline) -> None:
        left = d.duration - d.used_days
        d.due_on = add_days(self.calendar, Unit(d.day_unit), d.anchor_on or d.starts_on, left)
        d.due_at = end_of_local_day(d.due_on)

    def _change(self, d: Deadline, change: str, cause: Cause) -> dict[str, Any]:
        return {
            "id": uuid.uuid4(),
            "deadline_id": d.id,
            "case_id": d.case_id,
            "change": change,
            "at": self.now(),
            "state": d.state,
            "due_at": None if d.state == PAUSED else d.due_at,
            "reason": cause.reason,
            "decision_ref": cause.decision_ref,
            "event_id": cause.event_id,
        }

    async def _history(self, session: AsyncSession, d: Deadline, change: str, cause: Cause) -> None:
        await repository.add_change(session, self._change(d, change, cause))

    def _set_event(self, d: Deadline, now: datetime) -> Envelope:
        return new_event(
            DEADLINE_SET,
            source=SOURCE,
            case_id=d.case_id,
            at=now,
            data=DeadlineSet(
                deadline_id=d.id,
                kind=d.step,
                unit_code=d.unit_code,
                starts_on=d.starts_on.isoformat(),
                due_at=None if d.state == PAUSED else d.due_at,
                basis=d.basis,
                state=d.state,
            ),
        )

    async def _changed(
        self,
        session: AsyncSession,
        d: Deadline,
        change: str,
        cause: Cause,
        *,
        now: datetime | None = None,
        new: bool = False,
    ) -> None:
        """Record, re-plan and announce a change; `now`: the change's time if the caller took
        it already (a new clock is stamped once); `new`: the clock was added in this
        transaction."""
        now = now if now is not None else self.now()
        d.updated_at = now
        await self._history(session, d, change, cause)
        await self.replan(
            session,
            d,
            self.calendar,
            self.settings.reminder_working_days,
            self.settings.reminder_hour,
            now,
            new=new,
        )
        await self.outbox.add(session, self._set_event(d, now))


# The service's clocks (its outbox, reference data and settings), as a request's dependency.
DeadlineClocks = Annotated[Clocks, provided(Clocks)]


@dataclass(frozen=True)
class NotificationDeps:
    """What notification's event handlers use, built once from the service's context
    (services/notification/handlers.py): the clocks, which announce their own changes
    (deadline.set) through the outbox they were built with. The notices' handlers use their
    time only: the notices they queue are sent, and announced, by the deliverer."""

    clocks: Clocks

    @property
    def now(self) -> Clock:
        """The clocks' own time, which notices and tracked cases are stamped with."""
        return self.clocks.now


def _run_from(d: Deadline, policy: Policy, unit: Unit, duration: int, start_on: date) -> None:
    """The clock runs again, whole, under `policy`, from `start_on` (its due date is set by
    the caller)."""
    d.policy_id, d.basis, d.day_unit, d.duration = policy.id, policy.basis, unit.value, duration
    d.starts_on, d.anchor_on, d.used_days, d.paused_on = start_on, start_on, 0, None
