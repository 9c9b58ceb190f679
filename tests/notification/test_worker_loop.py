"""The background loop that drives deliveries: it lets go of what its step keeps (the
deliverer's HTTP clients, built once for the worker's life) when it stops, even if it is
cancelled."""

from __future__ import annotations

import asyncio

from services.notification.worker import Loop
from shared.metrics import ServiceMetrics


async def running_loop() -> tuple[Loop, asyncio.Task[None], list[bool]]:
    """A loop that has run its step once, and the list its `close` appends to."""
    ran, closed = asyncio.Event(), []

    async def step() -> bool:
        ran.set()
        return False

    async def close() -> None:
        closed.append(True)

    loop = Loop("delivery", 60.0, step, ServiceMetrics("notification"), close)
    task = asyncio.create_task(loop.run())
    await ran.wait()
    return loop, task, closed


async def test_a_stopped_loop_closes_what_its_step_kept() -> None:
    loop, task, closed = await running_loop()
    loop.stop()
    await task
    assert closed == [True]


async def test_a_cancelled_loop_closes_too() -> None:
    _, task, closed = await running_loop()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert closed == [True]
