"""The routing benchmarks (issue 4): work queue, public figures and routing throughput, each
against a baseline measured in the same run.

    eval "$(scripts/test-infra.sh up)"; python -m bench.routing [--requests 100 --events 5000]

1. GET /v1/queues/06427 among 100k cases of that commune (and 100k elsewhere), by query
   shape, against the same keyset SQL through asyncpg (bench/routing/queue.py).
2. GET /v1/stats/units/20 and /06427 over 1M cases of Lạng Sơn, against a plain count(*)
   (bench/routing/stats.py).
3. case.submitted -> routed + case.routed published, events/s, against a plain aiokafka
   consumer doing one INSERT per record (bench/routing/flow.py).
Each phase has its own database and its own `tiepdan serve routing` process; everything the
run created is removed at the end, also on failure or Ctrl-C. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench.common.machine import machine, versions
from bench.common.output import run_and_keep, say
from bench.common.stack import Infra, Service, publish, start_service, stop_services, wait_ready
from bench.routing.data import PROVINCE, QUEUE_UNIT, load_queue, load_stats, province_units
from bench.routing.flow import envelopes, floor_consumer, watch_routing
from bench.routing.queue import run_queue
from bench.routing.report import print_report
from bench.routing.stats import run_stats
from services.routing.units.registry import UnitRegistry
from shared.auth import Role, issue_dev_token
from shared.geography import AdminMap
from shared.settings import Settings


@asynccontextmanager
async def routing_service(
    infra: Infra, role: str, *, group_prefix: str | None = None
) -> AsyncIterator[Service]:
    """`tiepdan serve routing` on `role`'s database, stopped (SIGTERM, then SIGKILL) after."""
    env = infra.service_env()
    if group_prefix:
        env["TIEPDAN_KAFKA_GROUP_PREFIX"] = group_prefix
    log_dir = infra.work_dir / f"logs-{role}"
    log_dir.mkdir(exist_ok=True)
    service = start_service("routing", env, infra.url(role), log_dir)
    try:
        await wait_ready([service])
        yield service
    except BaseException:
        say(f"routing ({role}) log tail:\n{service.log_tail()}")
        raise
    finally:
        stop_services([service])


def client_for(infra: Infra, service: Service, *, unit: str) -> httpx.AsyncClient:
    token = issue_dev_token(
        infra.work_dir / "keys", role=Role.official, unit_code=unit, sub="bench-official",
        settings=Settings(jwt_issuer="tiepdan", jwt_audience="tiepdan"),
    )  # fmt: skip
    return httpx.AsyncClient(
        base_url=service.url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60.0,
        trust_env=False,
    )


async def queue_phase(infra: Infra, admin: AdminMap, args: argparse.Namespace) -> dict[str, Any]:
    await infra.create_databases(("queue",))
    await infra.migrate("queue", "routing")
    conn = await asyncpg.connect(infra.url("queue", driver="postgresql"))
    try:
        say(f"queue: loading {args.queue_rows:,} cases in {QUEUE_UNIT} and as many elsewhere")
        loaded = await load_queue(conn, admin, unit_rows=args.queue_rows)
        say(f"queue: loaded {loaded}")
        async with (
            routing_service(infra, "queue") as service,
            client_for(infra, service, unit=QUEUE_UNIT) as client,
        ):
            say(f"queue: {args.requests} requests per shape, then the same SQL")
            found = await run_queue(client, conn, requests=args.requests, budget_s=60)
        return {"load": loaded, **found, "loadavg_after": os.getloadavg()}
    finally:
        await conn.close()


async def stats_phase(infra: Infra, admin: AdminMap, args: argparse.Namespace) -> dict[str, Any]:
    await infra.create_databases(("stats",))
    await infra.migrate("stats", "routing")
    conn = await asyncpg.connect(infra.url("stats", driver="postgresql"))
    agencies = [a.code for a in UnitRegistry.load(admin).agencies_of(PROVINCE)]
    try:
        say(f"stats: loading {args.stats_rows:,} cases in province {PROVINCE}")
        loaded = await load_stats(conn, admin, rows=args.stats_rows, agencies=agencies)
        say(f"stats: loaded {loaded}")
        members = [u for u, _ in province_units(admin, PROVINCE, agencies)]
        async with (
            routing_service(infra, "stats") as service,
            client_for(infra, service, unit=PROVINCE) as client,
        ):
            say(f"stats: {args.stats_requests} requests per unit, then the SQL")
            found = await run_stats(
                client, conn, members=members, requests=args.stats_requests, budget_s=90
            )
        return {"load": loaded, **found, "loadavg_after": os.getloadavg()}
    finally:
        await conn.close()


async def flow_phase(infra: Infra, args: argparse.Namespace) -> dict[str, Any]:
    await infra.create_databases(("flow", "floor"))
    await infra.migrate("flow", "routing")
    await infra.migrate("floor", "routing")
    await infra.create_topics()
    say(f"flow: publishing {args.events:,} case.submitted to {infra.topic}")
    records = envelopes(args.events, infra.topic)
    published_s = await publish(infra.bootstrap, records, client_id="bench-routing")
    sizes = sorted(len(r.value) for r in records)
    say(f"flow: floor consumer (aiokafka + one INSERT per record) on {args.events:,} records")
    floor = await floor_consumer(
        infra.bootstrap, infra.topic, f"{infra.run_id}.floor",
        infra.url("floor", driver="postgresql"), args.events, timeout_s=args.flow_timeout,
    )  # fmt: skip
    say(f"flow: floor {floor['events_per_s']:,.0f} events/s; now routing")
    conn = await asyncpg.connect(infra.url("flow", driver="postgresql"))
    try:
        started = time.monotonic()
        async with routing_service(infra, "flow", group_prefix=f"{infra.run_id}.flow.") as svc:
            ready_s = time.monotonic() - started
            routed = await watch_routing(
                conn, svc.proc.pid, args.events, started=started, timeout_s=args.flow_timeout
            )
        routed["ready_s"] = ready_s
    finally:
        await conn.close()
    return {
        "events": args.events,
        "publish_s": published_s,
        "envelope_bytes_median": sizes[len(sizes) // 2],
        "routing": routed,
        "floor": floor,
        "loadavg_after": os.getloadavg(),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    infra = Infra.for_new_run()
    run_id = infra.run_id
    result: dict[str, Any] = {"run_id": run_id, "args": vars(args), "machine": machine()}
    phases: dict[str, float] = {}
    started = time.monotonic()
    admin = AdminMap.load()
    try:
        result["versions"] = await versions(infra)
        phases_to_run: tuple[tuple[str, Callable[[], Awaitable[dict[str, Any]]]], ...] = (
            ("queue", lambda: queue_phase(infra, admin, args)),
            ("stats", lambda: stats_phase(infra, admin, args)),
            ("flow", lambda: flow_phase(infra, args)),
        )
        for name, phase in phases_to_run:
            if name in args.skip:
                continue
            mark = time.monotonic()
            result[name] = await phase()
            phases[name] = round(time.monotonic() - mark, 1)
            # Each phase's database goes as soon as it is done: less disk, less checkpointing.
            problems = await infra.cleanup()
            if problems:
                say(f"[red]could not remove {problems}[/red]")
    finally:
        say("cleanup: dropping databases and topics")
        problems = await infra.cleanup()
        for problem in problems:
            say(f"[red]could not remove {problem}[/red]")
        shutil.rmtree(infra.work_dir, ignore_errors=True)
        phases["total"] = round(time.monotonic() - started, 1)
        result["phases_s"] = phases
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.routing", description="routing benchmarks against their baselines"
    )
    parser.add_argument("--requests", type=int, default=100, help="per queue shape")
    parser.add_argument("--queue-rows", type=int, default=100_000, help="cases in the unit")
    parser.add_argument("--stats-rows", type=int, default=1_000_000, help="cases in province")
    parser.add_argument("--stats-requests", type=int, default=20, help="per stats unit")
    parser.add_argument("--events", type=int, default=5_000, help="case.submitted to route")
    parser.add_argument("--flow-timeout", type=float, default=600.0, help="seconds")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=("queue", "stats", "flow"), help="phases"
    )
    args = parser.parse_args()
    if not (1 <= args.requests <= 10_000 and 1 <= args.stats_requests <= 1000):
        parser.error("--requests 1..10000, --stats-requests 1..1000")
    if not (1000 <= args.queue_rows <= 5_000_000 and 1000 <= args.stats_rows <= 20_000_000):
        parser.error("--queue-rows 1000..5M, --stats-rows 1000..20M")
    if not (1 <= args.events <= 1_000_000 and 10 <= args.flow_timeout <= 3600):
        parser.error("--events 1..1M, --flow-timeout 10..3600")
    run_and_keep("routing", run(args), print_report)


if __name__ == "__main__":
    main()
