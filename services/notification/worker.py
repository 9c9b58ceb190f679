"""The service's background work: timer sweeps, deliveries, reloading administrators' data.

Started by shared/app.py after the consumers (the database and outbox exist by then) and
stopped before them, each finishing the step in hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from services.notification.context import NotificationContext
from services.notification.notices.delivery import Deliverer
from services.notification.notices.gauges import refresh_gauges
from services.notification.timers.sweeper import TimerSweeper
from shared.app import Worker
from shared.metrics import ServiceMetrics
from shared.outages import is_outage

log = logging.getLogger(__name__)
Step = Callable[[], Awaitable[bool]]  # True when busy: the next step follows at once


class Loop:
    """Runs `step` every `seconds` (at once again while it is busy) until stopped, then
    `close` (what the step keeps between runs: the deliverer's HTTP clients)."""

    def __init__(
        self,
        name: str,
        seconds: float,
        step: Step,
        metrics: ServiceMetrics,
        close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.name, self.seconds, self.step, self.metrics = name, seconds, step, metrics
        self.close = close
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        try:
            await self._run()
        finally:
            if self.close is not None:
                await self.close()

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = await self.step()
            except Exception as exc:
                if not is_outage(exc):
                    log.exception("%s failed; retrying", self.name)
                else:  # waited out: the work stays where it was, nothing is counted against it
                    log.warning(
                        "%s: a dependency is down, retrying in %.1fs: %s",
                        self.name,
                        self.seconds,
                        exc,
                    )
                    self.metrics.outage_retries.labels(self.name).inc()
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.seconds)


def workers(context: NotificationContext) -> Sequence[Worker]:
    """The sweeper, the deliverer and the refresh, unless TIEPDAN_NOTIFY_WORKERS is off."""
    settings, kernel = context.notify_settings, context.kernel
    database, metrics, clocks = kernel.database, context.notify_metrics, context.clocks
    sweeper = TimerSweeper(
        database,
        clocks,
        lease_seconds=settings.lease_seconds,
        batch_size=settings.batch_size,
        metrics=metrics,
    )
    deliverer = Deliverer.from_settings(
        database, settings, kernel.settings, kernel.outbox, clocks.now, metrics
    )
    if not settings.workers:
        return ()

    async def refresh() -> bool:
        await context.reference.reload(database)
        await refresh_gauges(database, metrics, clocks.now())
        return False

    async def sweep() -> bool:
        return await sweeper.sweep_once() > 0

    async def deliver() -> bool:
        return await deliverer.deliver_once() > 0

    return (
        Loop("sweeper", settings.sweep_seconds, sweep, kernel.metrics),
        Loop("delivery", settings.sweep_seconds, deliver, kernel.metrics, deliverer.close),
        Loop("refresh", settings.refresh_seconds, refresh, kernel.metrics),
    )
