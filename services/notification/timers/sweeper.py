"""The timer sweeper: claims due timers with a lease, fires each claimed batch once.

Claiming (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single writer simply claims) marks
timers with this replica's name and a lease. A claimed batch fires in one transaction
(`timers/firing.py`), only the timers still pending and claimed by us: when a replica dies
after claiming, its lease runs out and another replica claims and fires the timers; if the slow
one comes back, its claim is gone and it fires nothing. The unique (deadline, kind, due_at)
key and the `pending` check make a second firing change nothing.

When a batch fails, it is rolled back and its timers are fired one by one, each in its own
transaction: the one that fails again keeps its error and stays pending for the next lease
(each claim counts an attempt), and is parked as `failed` after MAX_ATTEMPTS; the others fire.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

from services.notification.deadlines.service import Clocks
from services.notification.metrics import NotifyMetrics
from services.notification.timers import repository
from services.notification.timers.firing import Outcome, fire_claimed
from services.notification.timers.models import FAILED, PENDING
from shared.db import Database
from shared.outages import is_conflict, is_outage

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
            return await repository.claim_due(
                session,
                now=now,
                owner=self.owner,
                lease_until=now + self.lease,
                limit=self.batch_size,
            )

    async def fire(self, timer_id: uuid.UUID) -> bool:
        """Fire one claimed timer; False when another replica took it or it is obsolete."""
        return await self.fire_batch([timer_id]) == 1

    async def fire_batch(self, ids: Sequence[uuid.UUID]) -> int:
        """Fire claimed timers in one transaction; one by one if that fails. Returns how many."""
        try:
            async with self.database.transaction() as session:
                outcomes = await fire_claimed(session, self.clocks, self.owner, ids)
        except Exception as exc:
            if is_outage(exc) and not is_conflict(exc):
                raise  # the database is down: nothing fired, nothing counted; swept again later
            # A collision with another replica's batch (deadlock, serialization) is retried
            # in smaller pieces below, as any failure of the batch is.
            if len(ids) > 1:
                log.warning(
                    "a batch of %d timers failed (%r): firing them one by one", len(ids), exc
                )
                return sum([await self.fire_batch([timer_id]) for timer_id in ids])
            log.exception("timer %s failed to fire", ids[0])
            await self._failed(ids[0], exc)
            return 0
        self._record(outcomes)  # after the commit: a rolled-back batch counted nothing
        return sum(o.outcome == "fired" for o in outcomes)

    async def sweep_once(self) -> int:
        ids = await self.claim()
        return await self.fire_batch(ids) if ids else 0

    def _record(self, outcomes: list[Outcome]) -> None:
        if self.metrics is None:
            return
        for o in outcomes:
            self.metrics.timers_fired.labels(o.kind, o.outcome).inc()
            if o.outcome == "fired":
                self.metrics.reminder_lag.labels(o.kind).observe(o.lag_s)

    async def _failed(self, timer_id: uuid.UUID, exc: Exception) -> None:
        # Left pending: the lease expiry retries it; after MAX_ATTEMPTS it is parked.
        async with self.database.transaction() as session:
            timer = await repository.locked(session, timer_id)
            if timer is not None and timer.state == PENDING and timer.claimed_by == self.owner:
                timer.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if timer.attempts >= MAX_ATTEMPTS:
                    timer.state = FAILED
                    if self.metrics is not None:
                        self.metrics.timers_fired.labels(timer.kind.split(":")[0], "failed").inc()
