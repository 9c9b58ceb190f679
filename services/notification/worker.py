"""The service's background work: timer sweeps, deliveries, reloading administrators' data.

Started by a router lifespan (merged by FastAPI into the app's, inside it: the database and
outbox exist by then) and stopped before the database is disposed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, FastAPI

from services.notification.deadlines.service import Clocks
from services.notification.metrics import NotifyMetrics
from services.notification.notices.delivery import Deliverer
from services.notification.notices.gauges import refresh_gauges
from services.notification.timers.sweeper import TimerSweeper
from shared.outages import is_outage

log = logging.getLogger(__name__)


def clocks_of(state: Any) -> Clocks:
    clocks: Clocks | None = getattr(state, "clocks", None)
    if clocks is None:
        clocks = Clocks(state.outbox, state.reference, state.notify_settings, state.now)
        state.clocks = clocks
    return clocks


async def _loop(
    name: str, seconds: float, stop: asyncio.Event, step: Any, metrics: Any = None
) -> None:
    while not stop.is_set():
        try:
            busy = await step()
        except Exception as exc:
            if not is_outage(exc):
                log.exception("%s failed; retrying", name)
            else:  # waited out: the work stays where it was, nothing is counted against it
                log.warning("%s: a dependency is down, retrying in %.1fs: %s", name, seconds, exc)
                if metrics is not None:
                    metrics.outage_retries.labels(name).inc()
            busy = False
        if not busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    state = app.state
    settings = state.notify_settings
    metrics = NotifyMetrics(state.metrics.registry)
    state.notify_metrics = metrics
    clocks = clocks_of(state)
    with contextlib.suppress(Exception):
        await state.reference.reload(state.database)
    state.sweeper = TimerSweeper(
        state.database,
        clocks,
        lease_seconds=settings.lease_seconds,
        batch_size=settings.batch_size,
        metrics=metrics,
    )
    state.deliverer = Deliverer.from_settings(
        state.database, settings, state.settings, clocks, metrics
    )
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    if settings.workers:

        async def refresh() -> bool:
            await state.reference.reload(state.database)
            await refresh_gauges(state.database, metrics, clocks.now())
            return False

        async def sweep() -> bool:
            return await state.sweeper.sweep_once() > 0

        async def deliver() -> bool:
            return await state.deliverer.deliver_once() > 0

        tasks = [
            asyncio.create_task(
                _loop("sweeper", settings.sweep_seconds, stop, sweep, state.metrics)
            ),
            asyncio.create_task(
                _loop("delivery", settings.sweep_seconds, stop, deliver, state.metrics)
            ),
            asyncio.create_task(
                _loop("refresh", settings.refresh_seconds, stop, refresh, state.metrics)
            ),
        ]
    try:
        yield
    finally:
        stop.set()
        _, pending = await asyncio.wait(tasks, timeout=10) if tasks else (set(), set())
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


router = APIRouter(lifespan=lifespan)
