"""The timer sweeper: claims due timers with a lease, fires each once.

Claiming (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single writer simply claims) marks
timers with this replica's name and a lease. Firing happens in its own transaction per timer,
only while the timer is still pending and claimed by us: when a replica dies after claiming,
its lease runs out and another replica claims and fires the timers; if the slow one comes back,
its claim is gone and it fires nothing. The unique (deadline, kind, due_at) key and the
`pending` check make a second firing change nothing.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.calendar.working_days import local_date
from services.notification.deadlines.models import BREACHED, RUNNING, Deadline, TrackedCase
from services.notification.deadlines.service import Cause, Clocks
from services.notification.metrics import NotifyMetrics
from services.notification.notices.service import queue_officials
from services.notification.timers.models import FAILED, FIRED, OBSOLETE, PENDING, Timer
from services.notification.timers.schedule import BREACH
from shared.db import Database
from shared.events import (
    DEADLINE_BREACHED,
    DEADLINE_WARNING,
    DeadlineBreached,
    DeadlineWarning,
    new_event,
)

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10


class TimerSweeper:
    def __init__(
        self,
        database: Database,
        clocks: Clocks,
        *,
        owner: str | None = None,
        lease_seconds: float = 60.0,
        batch_size: int = 100,
        metrics: NotifyMetrics | None = None,
    ) -> None:
        self.database = database
        self.clocks = clocks
        self.owner = owner or f"sweeper-{uuid.uuid4().hex[:12]}"
        self.lease = timedelta(seconds=lease_seconds)
        self.batch_size = batch_size
        self.metrics = metrics

    async def claim(self) -> list[uuid.UUID]:
        """Take due timers that nobody holds, or whose holder's lease ran out."""
        now = self.clocks.now()
        async with self.database.transaction() as session:
            ids = list(
                (
                    await session.execute(
                        select(Timer.id)
                        .where(
                            Timer.state == PENDING,
                            Timer.fire_at <= now,
                            or_(Timer.lease_until.is_(None), Timer.lease_until < now),
                        )
                        .order_by(Timer.fire_at)
                        .limit(self.batch_size)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            if ids:
                await session.execute(
                    update(Timer)
                    .where(Timer.id.in_(ids))
                    .values(
                        claimed_by=self.owner,
                        lease_until=now + self.lease,
                        attempts=Timer.attempts + 1,
                    )
                )
        return ids

    async def fire(self, timer_id: uuid.UUID) -> bool:
        """Fire one claimed timer; False when another replica took it or it is obsolete."""
        try:
            async with self.database.transaction() as session:
                timer = (
                    await session.execute(
                        select(Timer)
                        .where(
                            Timer.id == timer_id,
                            Timer.state == PENDING,
                            Timer.claimed_by == self.owner,
                        )
                        .with_for_update()
                    )
                ).scalar_one_or_none()
                if timer is None:
                    return False
                now = self.clocks.now()
                deadline = await session.get(Deadline, timer.deadline_id, with_for_update=True)
                live = (
                    deadline is not None
                    and deadline.state == RUNNING
                    and deadline.due_at == timer.due_at
                )
                if not live or deadline is None:
                    timer.state = OBSOLETE
                    self._count(timer.kind, "obsolete")
                    return False
                if timer.kind == BREACH:
                    await self._breach(session, deadline)
                else:
                    await self._warn(session, deadline, int(timer.kind.split(":")[1]))
                timer.state, timer.fired_at = FIRED, now
                self._count(timer.kind, "fired")
                if self.metrics is not None:
                    self.metrics.reminder_lag.labels(timer.kind.split(":")[0]).observe(
                        max((now - timer.fire_at).total_seconds(), 0.0)
                    )
                return True
        except Exception as exc:
            log.exception("timer %s failed to fire", timer_id)
            await self._failed(timer_id, exc)
            return False

    async def sweep_once(self) -> int:
        fired = 0
        for timer_id in await self.claim():
            fired += await self.fire(timer_id)
        return fired

    def _count(self, kind: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.timers_fired.labels(kind.split(":")[0], outcome).inc()

    async def _failed(self, timer_id: uuid.UUID, exc: Exception) -> None:
        # Left pending: the lease expiry retries it; after MAX_ATTEMPTS it is parked.
        async with self.database.transaction() as session:
            timer = await session.get(Timer, timer_id, with_for_update=True)
            if timer is not None and timer.state == PENDING:
                timer.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if timer.attempts >= MAX_ATTEMPTS:
                    timer.state = FAILED

    def escalation(self, d: Deadline) -> list[str]:
        """The unit's head (the unit itself) and the superior unit (the province, or above)."""
        superior = (
            d.province_code
            if d.province_code and d.province_code != d.unit_code
            else self.clocks.settings.superior_of_province
        )
        return [d.unit_code, superior]

    async def _breach(self, session: AsyncSession, d: Deadline) -> None:
        await self.clocks.breach(session, d, Cause(None, "due time passed"))
        if d.state != BREACHED:
            return  # a citizen's window expired: nobody to escalate to
        escalated = self.escalation(d)
        now = self.clocks.now()
        await self.clocks.outbox.add(
            session,
            new_event(
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
            ),
        )
        await queue_officials(
            session,
            units=escalated,
            case_id=d.case_id,
            template="deadline_breached",
            context=await _context(session, d),
            cause=f"breach:{d.id}:{d.due_at.isoformat()}",
            now=now,
        )

    async def _warn(self, session: AsyncSession, d: Deadline, days_left: int) -> None:
        now = self.clocks.now()
        await self.clocks.outbox.add(
            session,
            new_event(
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
            ),
        )
        await queue_officials(
            session,
            units=[d.unit_code],
            case_id=d.case_id,
            template="deadline_warning",
            context={**await _context(session, d), "working_days_left": days_left},
            cause=f"warning:{days_left}:{d.id}:{d.due_at.isoformat()}",
            now=now,
        )


async def _context(session: AsyncSession, d: Deadline) -> dict[str, object]:
    case = await session.get(TrackedCase, d.case_id)
    return {
        "case_id": str(d.case_id),
        "tracking_code": case.tracking_code if case is not None else "",
        "case_kind": d.case_kind,
        "step": d.step,
        "unit_code": d.unit_code,
        "due_on": local_date(d.due_at).isoformat(),
        "basis": d.basis,
    }
