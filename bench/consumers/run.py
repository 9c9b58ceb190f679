"""Routing's and notification's consumers against a bare consume-insert-commit loop, in one
run on the same PostgreSQL and Kafka (issue 14: each at least half the bare loop's events/s).

    eval "$(scripts/test-infra.sh up)"; python -m bench.consumers [--events 2000] [--only ...]

1. bare: aiokafka (the services' consumer settings) + asyncpg, per fetch one multi-row
   INSERT in one transaction, COMMIT, commit offsets (bench/consumers/bare.py), over 10 x N
   case.submitted by default (N takes it a fraction of a second);
2. routing: `tiepdan serve routing` started over N case.submitted already in its topic;
3. notification: `tiepdan serve notification` over N case.submitted + N case.routed, its
   background workers off (deliveries would fail without intake, and are not its consumer).
Each contender has its own database and topic, removed when it is done (also on failure).
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from bench.common.machine import machine, versions
from bench.common.output import console, run_and_keep, say
from bench.common.stack import Infra, publish
from bench.consumers.bare import bare_loop
from bench.consumers.events import cases
from bench.consumers.report import print_report
from bench.consumers.service import drain

CONTENDERS = ("bare", "routing", "notification")
Phase = Callable[[Infra, argparse.Namespace, Callable[[int], None]], Awaitable[dict[str, Any]]]


async def bare_phase(
    infra: Infra, args: argparse.Namespace, progress: Callable[[int], None]
) -> dict[str, Any]:
    await infra.create_databases(("bare",))
    await infra.create_topics()
    records = cases(args.bare_events or 10 * args.events, infra.topic, routed=False)
    published = await publish(infra.bootstrap, records, client_id="bench-consumers")
    found = await bare_loop(
        infra.bootstrap, infra.topic, f"{infra.run_id}.bare",
        infra.url("bare", driver="postgresql"), len(records),
        timeout_s=args.timeout, progress=progress,
    )  # fmt: skip
    return found | {"publish_s": published}


async def service_phase(
    service: str, infra: Infra, args: argparse.Namespace, progress: Callable[[int], None]
) -> dict[str, Any]:
    await infra.create_databases((service,))
    await infra.migrate(service, service)
    await infra.create_topics()
    records = cases(args.events, infra.topic, routed=service == "notification")
    published = await publish(infra.bootstrap, records, client_id="bench-consumers")
    # Notification's workers (timer sweeps, deliveries, the gauges' refresh) are not its
    # consumer; without intake each delivery would fail and be retried, so they are off.
    extra = {"TIEPDAN_NOTIFY_WORKERS": "false"} if service == "notification" else {}
    found = await drain(infra, service, extra_env=extra, timeout_s=args.timeout, progress=progress)
    return found | {"publish_s": published}


PHASES: dict[str, Phase] = {
    "bare": bare_phase,
    "routing": lambda i, a, p: service_phase("routing", i, a, p),
    "notification": lambda i, a, p: service_phase("notification", i, a, p),
}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"args": vars(args), "machine": machine(), "runs": {}}
    started = time.monotonic()
    for name in CONTENDERS:
        if args.only and name not in args.only:
            continue
        infra = Infra.for_new_run()
        result.setdefault("versions", await versions(infra))
        total = {"bare": args.bare_events or 10 * args.events, "routing": args.events,
                 "notification": 2 * args.events}[name]  # fmt: skip
        say(f"{name}: {total:,} events in {infra.topic}")
        load_before = os.getloadavg()
        columns = (TextColumn(f"{name:>12}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())  # fmt: skip
        try:
            with Progress(*columns, console=console, transient=False) as bar:
                task = bar.add_task(name, total=total)

                def advance(n: int, bar: Progress = bar, task: TaskID = task) -> None:
                    bar.update(task, completed=n)

                found = await PHASES[name](infra, args, advance)
            found |= {"run_id": infra.run_id, "loadavg_before": load_before,
                      "loadavg_after": os.getloadavg()}  # fmt: skip
            result["runs"][name] = found
        finally:
            problems = await infra.cleanup()
            for problem in problems:
                say(f"[red]could not remove {problem}[/red]")
            shutil.rmtree(infra.work_dir, ignore_errors=True)
    result["total_s"] = round(time.monotonic() - started, 1)
    result["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.consumers",
        description="routing's and notification's consumers against a bare consumer loop",
    )
    parser.add_argument(
        "--events", type=int, default=2000, help="cases (notification: 2 events each)"
    )
    parser.add_argument(
        "--bare-events", type=int, default=0,
        help="records for the bare loop (default 10 x --events: it is timed over a second or "
        "two rather than a few clock ticks)",
    )  # fmt: skip
    parser.add_argument("--only", nargs="*", default=[], choices=CONTENDERS, help="contenders")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per contender")
    args = parser.parse_args()
    if not (1 <= args.events <= 1_000_000 and 10 <= args.timeout <= 3600):
        parser.error("--events 1..1M, --timeout 10..3600")
    if not 0 <= args.bare_events <= 10_000_000:
        parser.error("--bare-events 0..10M (0: 10 x --events)")
    run_and_keep("consumers", run(args), print_report)


if __name__ == "__main__":
    main()
