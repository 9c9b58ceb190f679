"""The chaos benchmark: `python -m bench.chaos` (issue 15).

Production mode on a PostgreSQL and a Kafka broker of the run's own (so that they can be
killed), two replicas of each service sharing the topic and the databases, an open-loop
load of realistic submissions whose clients retry with the same Idempotency-Key, and
faults one after another: SIGKILL of a random replica of intake, routing or notification,
of the broker, a crash of PostgreSQL (immediate stop); then a broker outage and a database
restart. Then the drain, and the audit (bench/chaos/check.py): every 201 exactly once in
intake, routed once, with a deadline, the read model current, outboxes empty, consumer
lag 0, nothing dead-lettered, no half-written case; and what clients were answered
during each fault (never a 500), how soon each process was ready again, and how soon the
pipeline caught up with every case accepted before the fault ended.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.chaos import check as chaos_check
from bench.chaos import report as chaos_report
from bench.common.payloads import communes, submission
from bench.common.stack import REPO, SERVICE_NAMES, Infra, Service, start_service, wait_ready
from shared.geography import AdminMap
from tests.support.servers import address, server

SERVICE_WEIGHTS = {"intake": 3, "routing": 2, "notification": 2, "postgres": 2, "kafka": 1}
GIVE_UP_SECONDS = 240.0  # a client retries a submission this long (it stays open-loop)


def say(message: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Config:
    kills: int = 20
    interval: float = 2.5  # seconds between one fault's recovery and the next fault
    rate: float = 8.0  # submissions offered per second (open loop)
    replicas: int = 2
    broker_outage: float = 10.0  # seconds Kafka is stopped after the kills
    seed: int = 15
    drain_timeout: float = 240.0
    state_dir: Path = REPO / ".tiepdan" / "chaos"


@dataclass
class Fault:
    kind: str
    began: float
    ended: float = 0.0  # when the killed thing answered again
    ready_s: float | None = None  # process start to ready (services and servers)
    caught_up_s: float | None = None  # fault end to every case accepted before it routed


@dataclass
class Run:
    config: Config
    faults: list[Fault] = field(default_factory=list)
    accepted: dict[str, uuid.UUID] = field(default_factory=dict)  # marker -> case id
    gave_up: int = 0
    answers: dict[str, Counter[str]] = field(default_factory=dict)  # fault kind -> outcome
    active: str = "none"

    def answered(self, outcome: str) -> None:
        self.answers.setdefault(self.active, Counter())[outcome] += 1


class Servers:
    """A PostgreSQL and a Kafka broker of this run's own, started, crashed and restarted
    with the project's scripts (the shared ones stay up for everyone else)."""

    def __init__(self, state_dir: Path) -> None:
        self.pg_dir, self.kafka_dir = state_dir / "pg", state_dir / "kafka"

    def _script(self, name: str, command: str, **env: str) -> str:
        return server(name, command, self.pg_dir if name == "postgres" else self.kafka_dir, **env)

    def start(self) -> tuple[str, str]:
        self._script("postgres", "start")
        self._script("kafka", "start")
        return address("postgres", self.pg_dir), address("kafka", self.kafka_dir)

    def crash_postgres(self) -> None:
        self._script("postgres", "stop", TIEPDAN_PG_STOP_MODE="immediate")

    def start_postgres(self) -> None:
        self._script("postgres", "start")

    def kill_kafka(self) -> None:
        pid = int((self.kafka_dir / "kafka.pid").read_text().strip())
        os.kill(pid, signal.SIGKILL)  # the broker this run started, by its recorded pid

    def stop_kafka(self) -> None:
        self._script("kafka", "stop")

    def start_kafka(self) -> None:
        self._script("kafka", "start")

    def stop(self) -> None:
        for name in ("kafka", "postgres"):
            try:
                self._script(name, "stop")
            except RuntimeError as exc:
                say(str(exc))


class Fleet:
    """`replicas` processes of each service, each restartable on its own port."""

    def __init__(self, infra: Infra, env: dict[str, str], replicas: int) -> None:
        self.infra, self.env, self.replicas = infra, env, replicas
        self.procs: dict[tuple[str, int], Service] = {}

    def start(self, name: str, i: int) -> Service:
        old = self.procs.get((name, i))
        self.procs[(name, i)] = start_service(
            name,
            # A replica's stable name in its groups, as a pod's name is (static membership).
            {**self.env, "TIEPDAN_KAFKA_GROUP_INSTANCE_ID": f"{name}-{i}"},
            self.infra.url(name),
            self.infra.work_dir,
            port=old.port if old else None,
            label=f"{name}-{i}",
        )
        return self.procs[(name, i)]

    def kill(self, name: str, i: int) -> None:
        proc = self.procs[(name, i)].proc
        proc.kill()  # SIGKILL, our own child
        proc.wait(timeout=30)

    def intake_urls(self) -> list[str]:
        return [self.procs[("intake", i)].url for i in range(self.replicas)]

    def stop_all(self) -> None:
        for svc in self.procs.values():
            if svc.proc.poll() is None:
                svc.proc.send_signal(signal.SIGTERM)
        for svc in self.procs.values():
            try:
                svc.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                svc.proc.kill()
                svc.proc.wait(timeout=10)


async def _submit(run: Run, client: httpx.AsyncClient, urls: list[str], body: dict[str, Any],
                  marker: str) -> None:  # fmt: skip
    key = uuid.uuid4().hex
    began = time.monotonic()
    attempt = 0
    while time.monotonic() - began < GIVE_UP_SECONDS:
        url = urls[attempt % len(urls)]  # a load balancer's choice: another replica on retry
        attempt += 1
        try:
            response = await client.post(
                f"{url}/v1/cases", json=body, headers={"Idempotency-Key": key}
            )
        except httpx.TimeoutException:
            run.answered("timeout")
            continue
        except httpx.TransportError:
            run.answered("connection error")
            await asyncio.sleep(min(0.2 * attempt, 2.0))
            continue
        run.answered(str(response.status_code))
        if response.status_code in (200, 201):
            run.accepted[marker] = uuid.UUID(response.json()["id"])
            return
        if response.status_code < 500 and response.status_code != 429:
            return  # refused for good (counted above); nothing to retry
        wait = float(response.headers.get("retry-after", "1"))
        await asyncio.sleep(min(wait, 5.0))
    run.gave_up += 1


async def _load(run: Run, fleet: Fleet, stop: asyncio.Event) -> None:
    rng = random.Random(run.config.seed)
    places = communes(AdminMap.load())
    tasks: set[asyncio.Task[None]] = set()
    async with httpx.AsyncClient(timeout=15.0, trust_env=False) as client:
        began = time.monotonic()
        sent = 0
        while not stop.is_set():
            marker = uuid.uuid4().hex
            body = submission(rng, places)
            body["description"] += f" [chaos:{marker}]"
            task = asyncio.create_task(_submit(run, client, fleet.intake_urls(), body, marker))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
            next_at = began + sent / run.config.rate  # open loop: on schedule, not on answers
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        if tasks:
            await asyncio.gather(*tasks)


async def _caught_up(run: Run, fault: Fault, intake_url: str) -> None:
    """How long after the fault ended every case accepted before then was routed."""
    ids = list(run.accepted.values())
    while time.monotonic() - fault.ended < run.config.drain_timeout:
        try:
            if await chaos_check.routed_count(intake_url, ids) >= len(ids):
                fault.caught_up_s = time.monotonic() - fault.ended
                return
        except Exception:
            pass  # the database is down in a later fault: ask again
        await asyncio.sleep(0.5)


async def _fault(run: Run, kind: str, servers: Servers, fleet: Fleet, rng: random.Random) -> Fault:
    fault = Fault(kind, time.monotonic())
    run.faults.append(fault)
    run.active = kind
    if kind in SERVICE_NAMES:
        i = rng.randrange(fleet.replicas)
        await asyncio.to_thread(fleet.kill, kind, i)
        await asyncio.sleep(rng.uniform(0.0, 1.0))  # the orchestrator's restart delay
        started = time.monotonic()
        svc = fleet.start(kind, i)
        await wait_ready([svc], within=120)
        fault.ready_s = time.monotonic() - started
    else:  # the servers: stopped or killed, down for a while, started again
        stop, start, down_for = {
            "postgres": (servers.crash_postgres, servers.start_postgres, rng.uniform(0.0, 1.0)),
            "kafka": (servers.kill_kafka, servers.start_kafka, 0.0),
            "broker outage": (servers.stop_kafka, servers.start_kafka, run.config.broker_outage),
            "database restart": (servers.crash_postgres, servers.start_postgres, 0.0),
        }[kind]
        await asyncio.to_thread(stop)
        await asyncio.sleep(down_for)
        started = time.monotonic()
        await asyncio.to_thread(start)
        fault.ready_s = time.monotonic() - started
    fault.ended = time.monotonic()
    run.active = "none"
    return fault


async def run_chaos(config: Config) -> dict[str, Any]:
    servers = Servers(config.state_dir)
    say(f"starting a PostgreSQL and a Kafka of the run's own under {config.state_dir}")
    admin_url, bootstrap = await asyncio.to_thread(servers.start)
    infra = Infra(admin_url, bootstrap, f"chaos_{uuid.uuid4().hex[:8]}", config.state_dir / "work")
    infra.work_dir.mkdir(parents=True, exist_ok=True)
    run = Run(config)
    fleet: Fleet | None = None
    watchers: list[asyncio.Task[None]] = []
    try:
        await infra.create_databases(SERVICE_NAMES)
        for name in SERVICE_NAMES:
            await infra.migrate(name, name)
        await infra.create_topics()
        # Restarted replicas read the bytecode the first start wrote, as a restarted pod reads
        # its image's: a restart is timed as it happens in production.
        env = infra.with_bytecode(infra.service_env())
        fleet = Fleet(infra, env, config.replicas)
        for name in SERVICE_NAMES:
            for i in range(config.replicas):
                fleet.start(name, i)
        await wait_ready(list(fleet.procs.values()), within=120)
        say(f"{len(fleet.procs)} processes ready; load {config.rate}/s, {config.kills} kills")
        stop = asyncio.Event()
        load = asyncio.create_task(_load(run, fleet, stop))
        rng = random.Random(config.seed)
        kinds, weights = zip(*SERVICE_WEIGHTS.items(), strict=True)
        schedule = [rng.choices(kinds, weights)[0] for _ in range(config.kills)]
        schedule += ["broker outage", "database restart"]
        intake_url = infra.url("intake", driver="postgresql")
        for n, kind in enumerate(schedule, 1):
            await asyncio.sleep(config.interval)
            fault = await _fault(run, kind, servers, fleet, rng)
            say(f"fault {n}/{len(schedule)}: {kind}, ready again in {fault.ready_s or 0:.1f} s")
            watchers.append(asyncio.create_task(_caught_up(run, fault, intake_url)))
        await asyncio.sleep(config.interval)
        stop.set()
        await load
        say(f"load stopped: {len(run.accepted)} accepted, {run.gave_up} given up; draining")
        drain_began = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*watchers), config.drain_timeout + 30)
        verdict = await _drained(infra, run, config.drain_timeout)
        result = {
            "config": {k: str(v) for k, v in vars(config).items()},
            "verdict": verdict.as_json(),
            "clean": verdict.clean and not _five_hundreds(run) and run.gave_up == 0,
            "gave_up": run.gave_up,
            "drain_s": round(time.monotonic() - drain_began, 1),
            "faults": chaos_report.fault_rows(run.faults),
            "answers": {k: dict(v) for k, v in run.answers.items()},
        }
        return result
    finally:
        for task in watchers:
            task.cancel()
        if fleet is not None:
            await asyncio.to_thread(fleet.stop_all)
        try:
            await infra.cleanup()
        except Exception as exc:
            say(f"cleanup: {exc}")
        await asyncio.to_thread(servers.stop)


def _five_hundreds(run: Run) -> int:
    return sum(c.get("500", 0) for c in run.answers.values())


async def _drained(infra: Infra, run: Run, timeout: float) -> chaos_check.Verdict:
    """Verify until clean (the last offsets and outbox marks land a moment after the cases),
    or until the drain timeout: then the last verdict, with what is still wrong."""
    urls = {name: infra.url(name, driver="postgresql") for name in SERVICE_NAMES}
    deadline = time.monotonic() + timeout
    while True:
        verdict = await chaos_check.verify(
            urls, infra.bootstrap, infra.topic, f"{infra.run_id}.", run.accepted
        )
        if verdict.clean or time.monotonic() > deadline:
            return verdict
        await asyncio.sleep(1.0)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chaos", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--interval", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--broker-outage", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "chaos.json")
    args = parser.parse_args()
    config = Config(
        kills=args.kills,
        interval=args.interval,
        rate=args.rate,
        replicas=args.replicas,
        broker_outage=args.broker_outage,
        seed=args.seed,
    )
    # Stopped from outside (SIGTERM): unwind like Ctrl-C, so that the replicas, the broker and
    # PostgreSQL it started are stopped, not left running without it.
    signal.signal(signal.SIGTERM, _interrupted)
    result = asyncio.run(run_chaos(config))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    chaos_report.print_report(result)
    sys.exit(0 if result["clean"] else 1)


if __name__ == "__main__":
    main()
