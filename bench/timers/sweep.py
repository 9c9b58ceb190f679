"""One measured sweep run, in its own process so that its peak RSS is its own.

    python -m bench.timers.sweep --url postgresql+asyncpg://... --due 10000 --now ISO --out F

Runs the service's own `TimerSweeper.sweep_once` in-process, with a fixed clock (as the
tests in tests/notification/test_timers.py do), until `--due` timers have fired; then sweeps
again (same instant, and after the lease would have run out) and fires already-fired timers
by id, to show that nothing fires twice. Writes its figures as JSON to `--out`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from services.notification.calendar.working_days import WorkingDayCalendar
from services.notification.database import messaging
from services.notification.deadlines.service import Clocks
from services.notification.policies.reference import Reference
from services.notification.policies.rules import PolicyBook
from services.notification.settings import NotifySettings
from services.notification.timers.models import FIRED, Timer
from services.notification.timers.schedule import reschedule
from services.notification.timers.sweeper import TimerSweeper
from shared.db import Database
from shared.messaging.outbox import Outbox


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class StatementCounter:
    """Counts every statement SQLAlchemy sends to the driver (before_cursor_execute)."""

    def __init__(self, database: Database) -> None:
        self.count = 0
        event.listen(database.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


def rss_kib() -> tuple[int, int]:
    """(current, peak) resident set size of this process, in KiB."""
    current = 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1])
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def run(url: str, due: int, now: datetime, batch: int, limit_s: float) -> dict[str, Any]:
    settings = NotifySettings()
    database = Database(url)
    try:
        reference = Reference(PolicyBook.load(), WorkingDayCalendar())
        await reference.reload(database)
        clock = FixedClock(now)
        outbox = Outbox(messaging.outbox, "tiepdan.case-events")
        clocks = Clocks(outbox, reference, settings, clock, reschedule)
        sweeper = TimerSweeper(
            database, clocks, owner="bench", lease_seconds=settings.lease_seconds, batch_size=batch
        )
        counter = StatementCounter(database)
        await database.ping()  # connect before measuring
        rss_before, _ = rss_kib()
        counter.count = 0
        fired, sweeps, idle = 0, 0, 0
        per_sweep: list[float] = []
        max_sweeps = 2 * (due // batch + 1) + 10  # bounded: twice what it should take
        began = time.perf_counter()
        while fired < due and sweeps < max_sweeps and time.perf_counter() - began < limit_s:
            t = time.perf_counter()
            n = await sweeper.sweep_once()
            per_sweep.append(time.perf_counter() - t)
            fired, sweeps = fired + n, sweeps + 1
            idle = idle + 1 if n == 0 else 0
            if idle >= 3:  # nothing left to claim (or every firing fails): stop, report
                break
        wall = time.perf_counter() - began
        statements = counter.count
        rss_after, rss_peak = rss_kib()

        # Second firing: the same instant, then after the lease ran out, then by id.
        counter.count = 0
        again_now = await sweeper.sweep_once()
        clock.at = now + timedelta(seconds=settings.lease_seconds + 1)
        again_after_lease = await sweeper.sweep_once()
        async with database.sessions() as session:
            ids: list[uuid.UUID] = list(
                (
                    await session.execute(
                        select(Timer.id)
                        .where(Timer.state == FIRED, Timer.fired_at == now)
                        .order_by(Timer.id)
                        .limit(100)
                    )
                ).scalars()
            )
        refired = [await sweeper.fire(i) for i in ids]
        second = {
            "fired_same_instant": again_now,
            "fired_after_lease_expiry": again_after_lease,
            "refire_by_id_tried": len(ids),
            "refire_by_id_fired": sum(refired),
            "statements": counter.count,
        }
    finally:
        await database.dispose()
    ms = [1000 * s for s in per_sweep]
    return {
        "due": due,
        "fired": fired,
        "sweeps": sweeps,
        "batch_size": batch,
        "wall_s": round(wall, 3),
        "fired_per_s": round(fired / wall, 1) if wall else 0.0,
        "statements": statements,
        "statements_per_timer": round(statements / fired, 2) if fired else None,
        "sweep_ms": {
            "first": round(ms[0], 1) if ms else None,
            "p50": round(statistics.median(ms), 1) if ms else None,
            "max": round(max(ms), 1) if ms else None,
        },
        "rss_kib": {"before": rss_before, "after": rss_after, "peak": rss_peak},
        "second_firing": second,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--due", type=int, required=True)
    parser.add_argument("--now", required=True, help="the clock, ISO 8601 with offset")
    parser.add_argument("--batch", type=int, default=NotifySettings().batch_size)
    parser.add_argument("--time-limit", type=float, default=900.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now)
    result = asyncio.run(run(args.url, args.due, now, args.batch, args.time_limit))
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
