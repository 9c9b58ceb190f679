"""Statements per case, per service, and the CPU of the whole pipeline in one process (issue 14).

    eval "$(scripts/test-infra.sh up)"; python -m bench.statements [--cases 300] [--list]

The three services run in this process, in production mode (PostgreSQL, Kafka), as the tests
run them (tests/support/stack.py). It files `--cases` cases over intake's API (8 at a time,
half with an Idempotency-Key, each with a submitter's phone), and waits until intake shows
every one routed with its deadline. Every statement each service's engine sends is counted
(SQLAlchemy's before_cursor_execute: a round trip each, an executemany counted once), and so
are the COMMITs; `--list` prints each distinct statement with its count per case.

The counts are exact and do not depend on the machine: they say what a change to a hot path
bought. The CPU figure is this process's (the three services, the client, the Kafka clients)
from the first request to the last case seen routed, per case; PostgreSQL's and the broker's
are not in it, and a window that ends when intake has the deadline leaves some of
notification's later work (its deliveries, its own events read back) outside. That, and the
whole pipeline as deployed, is bench.intake's to measure. A warm-up of 20 cases runs first.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import event

from tests.support.stack import Stack, production_settings, room, running_stack, wait_until

console = Console(highlight=False)
SERVICES = ("intake", "routing", "notification")
KINDS = ("feedback", "petition", "complaint")
AT_ONCE = 8
WAIT = "SELECT count(DISTINCT case_id) FROM case_deadlines"  # intake's: its cases with a deadline
WARM_UP = 20


def _count_statements(stack: Stack, counts: Counter[tuple[str, str]]) -> None:
    """Count each service's statements under (service, the statement's text), and COMMITs."""
    for name in SERVICES:
        engine = stack.database(name).engine.sync_engine

        def on_execute(*args: Any, name: str = name) -> None:
            counts[(name, " ".join(str(args[2]).split()))] += 1

        def on_commit(*_: Any, name: str = name) -> None:
            counts[(name, "COMMIT")] += 1

        event.listen(engine, "before_cursor_execute", on_execute)
        event.listen(engine, "commit", on_commit)


async def _file(stack: Stack, i: int) -> None:
    body = {
        "kind": KINDS[i % len(KINDS)],
        "title": "Đèn đường hỏng ở thôn Bản Chắt",
        "description": "Ba cột đèn trên đường liên thôn không sáng từ tuần trước.",
        "location": {"unit_code": "06427"},
        "submitter": {"full_name": "Nguyễn Văn An", "phone": f"09{random.randrange(10**8):08d}"},
    }
    headers = {"Idempotency-Key": uuid.uuid4().hex} if i % 2 else {}
    response = await stack["intake"].post("/v1/cases", json=body, headers=headers)
    assert response.status_code == 201, response.text


async def _filed_and_routed(stack: Stack, first: int, count: int) -> None:
    """File `count` cases, AT_ONCE at a time; return when intake has a deadline for each."""
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(i: int) -> None:
        async with gate:
            await _file(stack, i)

    await asyncio.gather(*(one(i) for i in range(first, first + count)))

    async def all_routed() -> bool:
        seen = int(await stack.scalar("intake", WAIT) or 0)
        return seen >= first + count

    await wait_until(all_routed, what=f"{first + count} cases routed", within=600)


async def measure(cases: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-statements-"))
    settings = await production_settings(
        os.environ["TIEPDAN_TEST_DATABASE_URL"], os.environ["TIEPDAN_KAFKA_BOOTSTRAP_SERVERS"], work
    )
    unlimited = room(ip_burst=10**6, contact_burst=10**6)
    settings["intake"] = settings["intake"].with_parts(unlimited)
    counts: Counter[tuple[str, str]] = Counter()
    async with running_stack("production", settings) as stack:
        _count_statements(stack, counts)
        await _filed_and_routed(stack, 0, WARM_UP)
        counts.clear()
        began, cpu = time.monotonic(), time.process_time()
        await _filed_and_routed(stack, WARM_UP, cases)
        wall, cpu = time.monotonic() - began, time.process_time() - cpu
        seen = Counter(counts)  # the wait's look-ups went through intake's engine: out below
    waits = seen.pop(("intake", WAIT), 0)
    return {
        "cases": cases,
        "wall_s": wall,
        "cpu_ms_per_case": cpu / cases * 1000,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "waits_left_out": waits,
        "statements": [
            {"service": s, "statement": q, "per_case": n / cases}
            for (s, q), n in sorted(seen.items(), key=lambda kv: (kv[0][0], -kv[1]))
        ],
    }


def report(result: dict[str, Any], *, listing: bool) -> None:
    rows = result["statements"]
    table = Table(title=f"Statements per case, {result['cases']} cases (production mode)")
    for column in ("service", "statements", "COMMITs", "INSERT", "SELECT", "UPDATE"):
        table.add_column(column, justify="left" if column == "service" else "right")
    total = 0.0
    for service in SERVICES:
        mine = [r for r in rows if r["service"] == service]
        by_word: Counter[str] = Counter()
        for r in mine:
            by_word[r["statement"].split(None, 1)[0].upper()] += r["per_case"]
        # COMMIT is not a statement the cursor sends (the driver's transaction ends it).
        statements = sum(r["per_case"] for r in mine if r["statement"] != "COMMIT")
        total += statements
        table.add_row(
            service,
            f"{statements:.2f}",
            *(f"{by_word[word]:.2f}" for word in ("COMMIT", "INSERT", "SELECT", "UPDATE")),
        )
    table.add_row("all three", f"{total:.2f}", "", "", "", "")
    console.print(table)
    rate = result["cases"] / result["wall_s"]
    console.print(
        f"process CPU {result['cpu_ms_per_case']:.2f} ms per case (the three services and the "
        f"client in this process; not PostgreSQL, not Kafka), {rate:.1f} cases/s, "
        f"load average {result['load_average']}"
    )
    if listing:
        for r in rows:
            console.print(f"{r['service']:13s} {r['per_case']:6.2f}  {r['statement'][:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.statements", description=__doc__)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--list", action="store_true", help="each distinct statement, per case")
    args = parser.parse_args()
    from bench.common.output import run_and_keep

    run_and_keep(
        "statements", measure(args.cases), lambda result: report(result, listing=args.list)
    )
