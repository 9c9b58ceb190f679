"""The intake benchmark: POST /v1/cases on the production stack, against a pgbench baseline.

    eval "$(scripts/test-infra.sh up)"; python -m bench.intake [--concurrency 16 --duration 20]

One run creates its own databases, topic and keys, runs pgbench (bench/intake/sql/submit.sql),
starts the three services as `tiepdan serve` processes, drives intake from a separate load
process (bench/intake/load.py), waits until every case is routed with a deadline and its
citizen's SMS are delivered (bench/intake/deliveries.py; not with --no-deliveries), prints the
tables, writes bench/results/intake-*.json, and removes everything it created. See
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench.common.cpu import CpuSample, cpu_between, machine_busy, sample_cpu
from bench.common.machine import machine, versions
from bench.common.output import console, run_and_keep, say
from bench.common.stack import (
    REPO,
    SERVICE_NAMES,
    Infra,
    Service,
    kafka_broker_pid,
    start_service,
    stop_services,
    wait_ready,
)
from bench.intake.baseline import run_pgbench
from bench.intake.deliveries import SMS_PER_CASE, SmsGateway, notification_env, sms_gateway
from bench.intake.load import KEY_VARIABLE
from bench.intake.pipeline import Pipeline, Snapshot, mean_ms, scrape
from bench.intake.report import print_report
from services.intake.open311.keys import create_key
from shared.db import Database


def cpu_window(samples: list[CpuSample], window: list[float]) -> dict[str, Any]:
    """CPU between the samples nearest the window's ends, as cores used (CPU s per s)."""
    first = min(samples, key=lambda s: abs(s.at - window[0]))
    last = min(samples, key=lambda s: abs(s.at - window[1]))
    seconds = max(last.at - first.at, 1e-9)
    used = cpu_between([s for s in samples if first.at <= s.at <= last.at])
    return {
        "seconds": seconds,
        "cores": {k: round(v / seconds, 4) for k, v in sorted(used.items())},
        "machine_busy": machine_busy(first, last),
    }


def whole_pipeline(samples: list[CpuSample], window: list[float], cases: int) -> dict[str, Any]:
    """CPU of every process from the load's first request to the end of the drain (the
    consumers' backlog included), per case that came out routed with its deadline."""
    block = cpu_window(samples, window)
    seconds = block["seconds"]
    block["cases"] = cases
    block["cpu_ms_per_case"] = {
        name: round(1000 * cores * seconds / cases, 3) if cases else None
        for name, cores in block["cores"].items()
    }
    # The load client is the citizens' phones, not the pipeline.
    ours = sum(c for name, c in block["cores"].items() if name != "load client") * seconds
    block["cpu_ms_per_case_total"] = round(1000 * ours / cases, 3) if cases else None
    return block


async def sample_until(
    task: asyncio.Future[Any],
    conn: asyncpg.Connection,
    pids: dict[str, int],
    databases: dict[str, str],
    *,
    limit: float,
    tick: Callable[[], Awaitable[None]] | None = None,
) -> list[CpuSample]:
    """CPU samples every 0.25 s while `task` runs (at most `limit` seconds); `tick` each second."""
    samples: list[CpuSample] = []
    deadline = time.monotonic() + limit
    last_tick = 0.0
    while not task.done() and time.monotonic() < deadline:
        samples.append(await sample_cpu(conn, pids, databases))
        if tick is not None and time.monotonic() - last_tick >= 1.0:
            last_tick = time.monotonic()
            await tick()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), 0.25)
    samples.append(await sample_cpu(conn, pids, databases))
    return samples


async def baseline_phase(infra: Infra, args: argparse.Namespace) -> dict[str, Any]:
    say(f"pgbench: {args.concurrency} clients, {args.warmup}+{args.duration} s")
    conn = await infra.admin()
    try:
        run = asyncio.ensure_future(
            run_pgbench(
                infra.url("pgbench", driver="postgresql"),
                concurrency=args.concurrency,
                duration=args.duration,
                warmup=args.warmup,
                log_dir=infra.work_dir,
            )
        )
        dbs = {"pgbench": infra.databases["pgbench"]}
        limit = args.warmup + args.duration + 150
        samples = await sample_until(run, conn, {}, dbs, limit=limit)
        result: dict[str, Any] = await run
        result["cpu"] = cpu_window(samples, result["window_epoch"])
        run_s = args.warmup + args.duration  # pgbench's own CPU is known for the whole run only
        result["cpu"]["cores"]["pgbench client"] = round(
            result["client_cpu_s_whole_run"] / run_s, 4
        )
        async with contextlib.AsyncExitStack() as stack:
            db = await asyncpg.connect(infra.url("pgbench", driver="postgresql"))
            stack.push_async_callback(db.close)
            result["outbox_payload_bytes"] = float(
                await db.fetchval("SELECT avg(octet_length(payload)) FROM outbox") or 0
            )
        return result
    finally:
        await conn.close()


async def open311_key(infra: Infra) -> str:
    """An api_key in the bench's intake database, as `tiepdan open311-key create` makes one."""
    database = Database(infra.url("intake"), pool_size=1)
    try:
        async with database.transaction() as session:
            return await create_key(session, "bench-load")
    finally:
        await database.dispose()


async def drained(pipeline: Pipeline, snap: Snapshot, gateway: SmsGateway | None) -> bool:
    """Every case back in intake with its deadline (or the count cannot be taken), and, with a
    gateway, every SMS its citizen is owed out of notification's queue: sent, or given up.
    Not the gateway's count alone: the delivery is done when notification has recorded it."""
    if snap.counts["back_in_intake"] is not None and snap.done < snap.total:
        return False
    if gateway is None:
        return True
    sms = await pipeline.sms()
    return sms.settled(SMS_PER_CASE * sms.cases)


async def deliveries(pipeline: Pipeline, gateway: SmsGateway | None) -> dict[str, Any] | None:
    """The citizens' SMS at the end of the drain: expected, received by the gateway, and by
    state in notification's queue."""
    if gateway is None:
        return None
    sms = await pipeline.sms()
    expected = SMS_PER_CASE * sms.cases
    return {
        "sms_expected": expected,
        "sms_received_by_gateway": gateway.received,
        "gateway_connections": gateway.connections,
        "queued": sms.queued,
        "pending": sms.pending,
        "sent": sms.sent,
        "dead": sms.dead,
        "complete": sms.sent >= expected and gateway.received >= expected,
    }


async def load_phase(
    infra: Infra, services: list[Service], args: argparse.Namespace, gateway: SmsGateway | None
) -> dict[str, Any]:
    intake = next(s for s in services if s.name == "intake")
    out = infra.work_dir / "load.json"
    share = f", {args.open311_share:.0%} Open311 form posts" if args.open311_share else ""
    say(f"load: {args.concurrency} clients, {intake.url}{share}, {args.warmup}+{args.duration} s")
    env = dict(os.environ)
    if args.open311_share:
        env[KEY_VARIABLE] = await open311_key(infra)
    conn = await infra.admin()
    pipeline = await Pipeline.connect(
        {name: infra.url(name, driver="postgresql") for name in SERVICE_NAMES}
    )
    urls = {s.name: s.url for s in services}
    before = await scrape(urls)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.intake.load", "--url", intake.url,
        f"--concurrency={args.concurrency}", f"--duration={args.duration}",
        f"--warmup={args.warmup}", f"--out={out}", f"--open311-share={args.open311_share}",
        f"--rate={args.rate}", *([] if gateway is None else ["--sms"]), cwd=REPO, env=env,
    )  # fmt: skip

    async def tick() -> None:
        snap = await pipeline.snapshot()
        if len(pipeline.snapshots) % 2 == 0:
            say(f"pipeline: {snap.line()}")

    try:
        pids = {s.name: s.proc.pid for s in services} | {"load client": proc.pid}
        broker = kafka_broker_pid(os.environ.get("TIEPDAN_KAFKA_BOOTSTRAP_SERVERS"))
        if broker is not None:
            pids["kafka broker (shared)"] = broker
        dbs = {name: infra.databases[name] for name in SERVICE_NAMES}
        waiting = asyncio.ensure_future(proc.wait())
        limit = args.warmup + args.duration + 120
        samples = await sample_until(waiting, conn, pids, dbs, limit=limit, tick=tick)
        if await asyncio.wait_for(waiting, 30) != 0:
            raise RuntimeError("the load generator failed (its output is above)")
        load: dict[str, Any] = json.loads(out.read_text())
        load["cpu"] = cpu_window(samples, load["window_epoch"])

        at_load_end = await scrape(urls)
        sent = "" if gateway is None else " and its citizen's SMS are sent"
        say(f"drain: waiting until every case is routed with a deadline{sent}")
        stopped = time.time()
        at_stop = await pipeline.snapshot()
        snap, deadline = at_stop, time.monotonic() + args.drain_timeout
        # Bounded by --drain-timeout, and given up at once if the count cannot be taken.
        while not await drained(pipeline, snap, gateway):
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)  # a polling interval, not a synchronisation
            samples.append(await sample_cpu(conn, pids, dbs))
            snap = await pipeline.snapshot()
            if len(pipeline.snapshots) % 8 == 0:
                say(f"drain {snap.at - stopped:5.1f} s: {snap.line()}")
        return {
            "load": load,
            "whole": whole_pipeline(samples, [load["began_epoch"], snap.at], snap.done),
            "e2e": {
                "cases": snap.total,
                "routed_with_deadline": snap.done,
                "complete": snap.done >= snap.total,
                "at_load_end": at_stop.counts,
                "drain_s": snap.at - stopped,
                "stage_rates_during_window": pipeline.rates(*load["window_epoch"]),
                "e2e_throughput": snap.done / max(snap.at - load["began_epoch"], 1e-9),
                "submitted_to_deadline_s": await pipeline.latency(),
            },
            "timings": {
                "load": mean_ms(before, at_load_end),
                "drain": mean_ms(at_load_end, await scrape(urls)),
            },
            "deliveries": await deliveries(pipeline, gateway),
            "outbox_payload_bytes": await pipeline.payload_bytes(),
            "pipeline": pipeline.as_json(),
        }
    finally:
        if proc.returncode is None:
            proc.kill()  # our own child, by its handle
            await proc.wait()
        await pipeline.close()
        await conn.close()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    infra = Infra.for_new_run()
    run_id = infra.run_id
    services: list[Service] = []
    result: dict[str, Any] = {"run_id": run_id, "args": vars(args), "machine": machine()}
    phases: dict[str, float] = {}
    started = mark = time.monotonic()

    def phase(name: str) -> None:
        nonlocal mark
        phases[name] = round(time.monotonic() - mark, 1)
        mark = time.monotonic()

    failed = True
    gateways = contextlib.AsyncExitStack()  # closed after the services stop
    try:
        result["versions"] = await versions(infra)
        say(f"setup: databases {run_id}_*, topic {infra.topic}")
        await infra.create_databases((*SERVICE_NAMES, "pgbench"))
        for name in SERVICE_NAMES:
            await infra.migrate(name, name)
        await infra.migrate("pgbench", "intake")
        await infra.create_topics()
        phase("setup")
        if not args.no_baseline:
            result["pgbench"] = await baseline_phase(infra, args)
            phase("pgbench")
        env = infra.service_env()
        log_dir = infra.work_dir / "logs"
        log_dir.mkdir()
        gateway = None if args.no_deliveries else await gateways.enter_async_context(sms_gateway())
        say("starting intake, routing and notification (tiepdan serve, production mode)")
        for name in SERVICE_NAMES:
            own = env
            if name == "notification" and gateway is not None:
                # Intake is started first (SERVICE_NAMES' order): its address is known.
                intake = next(s for s in services if s.name == "intake")
                own = env | notification_env(intake, gateway)
                say(f"deliveries: contacts from {intake.url}, SMS to {gateway.url}")
            services.append(start_service(name, own, infra.url(name), log_dir))
        await wait_ready(services)
        phase("services start")
        result |= await load_phase(infra, services, args, gateway)
        phase("load + drain")
        failed = False
    finally:
        say("cleanup: stopping services, dropping databases and topics")
        # In a thread: the gateway lives on this loop, and a notification finishing its
        # deliveries on SIGTERM must still be answered.
        result["shutdown"] = await asyncio.to_thread(stop_services, services)
        await gateways.aclose()
        if failed and services:
            for svc in services:
                console.print(f"--- {svc.name} log (tail) ---\n{svc.log_tail()}")
        problems = await infra.cleanup()
        for problem in problems:
            console.print(f"[red]bench: could not remove {problem}[/red]")
        shutil.rmtree(infra.work_dir, ignore_errors=True)
        phase("cleanup")
        result["cleanup_s"] = infra.cleanup_s
        phases["total"] = round(time.monotonic() - started, 1)
        result["phases_s"] = phases
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.intake", description="intake benchmark against a pgbench baseline"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="closed-loop clients")
    parser.add_argument("--duration", type=int, default=20, help="measured seconds")
    parser.add_argument("--warmup", type=int, default=3, help="seconds discarded first")
    parser.add_argument("--drain-timeout", type=float, default=300.0, help="seconds")
    parser.add_argument("--no-baseline", action="store_true", help="skip pgbench")
    parser.add_argument(
        "--no-deliveries",
        action="store_true",
        help="no SMS gateway nor contact resolver: citizens' notices fail at once (the "
        "figures before deliveries were counted)",
    )
    parser.add_argument(
        "--rate", type=float, default=0.0, help="open loop at this offered rate (cases/s)"
    )
    parser.add_argument(
        "--open311-share", type=float, default=0.25, help="share of Open311 form posts, 0..1"
    )
    args = parser.parse_args()
    if not (1 <= args.concurrency <= 512 and 1 <= args.duration <= 3600 and args.warmup >= 0):
        parser.error("--concurrency 1..512, --duration 1..3600, --warmup >= 0")
    if not 0 <= args.rate <= 5000:
        parser.error("--rate 0..5000 (0: closed loop)")
    if not 0 <= args.open311_share <= 1:
        parser.error("--open311-share 0..1")
    run_and_keep("intake", run(args), print_report)


if __name__ == "__main__":
    main()
