"""The timers benchmark (issue 5): does a sweep cost what is due, not what is open?

    eval "$(scripts/test-infra.sh up)"; python -m bench.timers [--open 1000000 --due 10000]

For each scenario (the baseline: `--due` open deadlines, all due; then `--open` deadlines of
which `--due` are due) it creates a fresh notification database, migrates it, bulk-loads it
with set-based SQL (bench/timers/load.py), ANALYZEs, and runs the service's own sweeper in a
child process (bench/timers/sweep.py) until every due timer has fired. It prints both, the
ratio, the second-firing check, writes bench/results/timers-*.json and drops its databases,
also on failure or Ctrl-C. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import date, datetime
from datetime import time as dtime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.common.machine import machine
from bench.common.output import console, run_and_keep, say
from bench.common.stack import REPO, Infra
from bench.timers.load import census, claim_plan, load, outcome
from services.notification.settings import NotifySettings
from shared.dates import LOCAL_TZ

TODAY = date(2026, 12, 8)  # a Tuesday; the clock stands at 09:00 local
NOW = datetime.combine(TODAY, dtime(9), tzinfo=LOCAL_TZ)
EFFECTS = ("deadline.warning", "deadline.breached")


async def scenario(infra: Infra, role: str, open_: int, args: argparse.Namespace) -> dict[str, Any]:
    await infra.create_databases((role,))
    began = time.monotonic()
    await infra.migrate(role, "notification")
    migrate_s = round(time.monotonic() - began, 1)
    dsn = infra.url(role, driver="postgresql")
    say(f"{role}: loading {open_:,} open deadlines ({args.due:,} due now)")
    load_s = await load(dsn, open_=open_, due=args.due, today=TODAY, now=NOW)
    before = await census(dsn, NOW)
    if before["timers_due"] != args.due:
        raise RuntimeError(f"{role}: {before['timers_due']} timers due, expected {args.due}")
    plan = await claim_plan(dsn, NOW, args.batch)
    say(f"{role}: loaded in {sum(load_s.values()):.0f} s {load_s}; sweeping")
    out = infra.work_dir / f"{role}.json"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.timers.sweep", "--url", infra.url(role),
        f"--due={args.due}", f"--now={NOW.isoformat()}", f"--batch={args.batch}",
        f"--time-limit={args.time_limit}", f"--out={out}", cwd=REPO,
    )  # fmt: skip
    try:
        code = await asyncio.wait_for(proc.wait(), args.time_limit + 120)
    finally:
        if proc.returncode is None:  # cancelled (Ctrl-C) or timed out: end our own child
            proc.kill()
            await proc.wait()
    if code != 0:
        raise RuntimeError(f"{role}: the sweep process failed with exit code {code}")
    sweep: dict[str, Any] = json.loads(out.read_text())
    after = await outcome(dsn)
    effects = sum(after["outbox"].get(t, 0) for t in EFFECTS)
    return {
        "open_deadlines": open_,
        "rows": before,
        "migrate_s": migrate_s,
        "load_s": load_s,
        "claim_plan": plan,
        "sweep": sweep,
        "after": after,
        "effects": effects,
        "one_effect_each": effects == args.due == sweep["fired"],
    }


def versions(postgres: str) -> dict[str, str]:
    found = {"postgresql": postgres, "python": platform.python_version()}
    for package in ("sqlalchemy", "asyncpg", "alembic"):
        found[package] = version(package)
    return found


def print_report(result: dict[str, Any]) -> None:
    out = Console(highlight=False)
    if not out.is_terminal:
        out.width = 110
    m, v = result["machine"], result["versions"]
    out.print(
        f"\n[bold]machine[/]: {m['nproc']} CPUs, {m['cpu_model']}, {m['memory_gib']} GiB, "
        f"Linux {m['kernel']}, load average at start {m['loadavg_at_start']}"
    )
    out.print("[bold]versions[/]: " + ", ".join(f"{k} {x}" for k, x in v.items()))
    runs: dict[str, dict[str, Any]] = result["scenarios"]
    names = list(runs)
    table = Table(
        title=f"Sweeping {result['args']['due']:,} due timers (batch {result['args']['batch']})"
    )
    table.add_column("")
    for name in names:
        table.add_column(f"{runs[name]['open_deadlines']:,} open", justify="right")
    if len(names) == 2:
        table.add_column("ratio", justify="right")

    def row(label: str, get: Any, fmt: str, ratio: bool = True) -> None:
        values = [get(runs[n]) for n in names]
        cells = [format(x, fmt) if isinstance(x, int | float) else str(x) for x in values]
        if len(names) == 2:
            a, b = values
            ok = ratio and isinstance(a, int | float) and isinstance(b, int | float) and a
            cells.append(f"{b / a:.2f}" if ok else "")
        table.add_row(label, *cells)

    row("timers in the table / pending", lambda r: f"{r['rows']['timers']:,} / "
        f"{r['rows']['timers_pending']:,}", "", ratio=False)  # fmt: skip
    row("timers fired", lambda r: r["sweep"]["fired"], ",")
    row("wall time (s)", lambda r: r["sweep"]["wall_s"], ",.2f")
    row("timers fired /s", lambda r: r["sweep"]["fired_per_s"], ",.0f")
    row("SQL statements", lambda r: r["sweep"]["statements"], ",")
    row("statements per timer", lambda r: r["sweep"]["statements_per_timer"], ".2f")
    row("sweeps (claims)", lambda r: r["sweep"]["sweeps"], ",")
    row("sweep ms: first / p50 / max", lambda r: " / ".join(
        str(r["sweep"]["sweep_ms"][k]) for k in ("first", "p50", "max")), "",
        ratio=False)  # fmt: skip
    row("peak RSS (MiB)", lambda r: r["sweep"]["rss_kib"]["peak"] / 1024, ",.1f")
    row("RSS growth during sweep (MiB)", lambda r: (r["sweep"]["rss_kib"]["after"]
        - r["sweep"]["rss_kib"]["before"]) / 1024, ",.1f", ratio=False)  # fmt: skip
    for t in ("deadline.warning", "deadline.breached", "deadline.set"):
        row(f"outbox {t}", lambda r, t=t: r["after"]["outbox"].get(t, 0), ",")
    row("notices queued", lambda r: sum(r["after"]["notifications"].values()), ",")
    row("one effect per due timer", lambda r: "yes" if r["one_effect_each"] else "[red]NO[/]",
        "", ratio=False)  # fmt: skip
    row("second sweep / after lease / re-fire by id", lambda r: "{} / {} / {} of {}".format(
        *(r["sweep"]["second_firing"][k] for k in ("fired_same_instant",
          "fired_after_lease_expiry", "refire_by_id_fired", "refire_by_id_tried"))),
        "", ratio=False)  # fmt: skip
    row("load s (set-based SQL + ANALYZE)", lambda r: sum(r["load_s"].values()), ",.1f")
    out.print(table)
    last = runs[names[-1]]
    out.print(f"claim plan ({last['open_deadlines']:,} open):\n{last['claim_plan']}")
    out.print(f"total {result['total_s']:.0f} s; clean-up {result.get('cleanup_s')}")


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    admin_url = os.environ.get("TIEPDAN_TEST_DATABASE_URL")
    if not admin_url:
        raise SystemExit('TIEPDAN_TEST_DATABASE_URL is not set: eval "$(scripts/test-infra.sh up)"')
    began = time.monotonic()
    run_id = f"bench_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="tiepdan-bench-") as tmp:
        infra = Infra(admin_url, "", run_id, Path(tmp))
        result: dict[str, Any] = {"run_id": run_id, "args": vars(args), "machine": machine()}
        try:
            conn = await infra.admin()
            try:
                result["versions"] = versions(str(await conn.fetchval("SHOW server_version")))
            finally:
                await conn.close()
            wanted = [] if args.no_baseline else [("timers_base", args.due)]
            result["scenarios"] = {}
            for role, open_ in [*wanted, ("timers_open", args.open)]:
                result["scenarios"][role] = await scenario(infra, role, open_, args)
                say(f"{role}: {result['scenarios'][role]['sweep']['wall_s']} s sweeping")
        finally:
            say("clean-up: dropping the databases")
            problems = await asyncio.shield(infra.cleanup())
            result["cleanup_s"] = infra.cleanup_s.get("drop databases")
            if problems:
                console.print(f"[bold red]clean-up incomplete:[/] {problems}")
    result["total_s"] = time.monotonic() - began
    return result


def main() -> None:
    defaults = NotifySettings()
    parser = argparse.ArgumentParser(
        prog="python -m bench.timers", description="Timer sweeps: cost of what is due vs open."
    )
    parser.add_argument("--open", type=int, default=1_000_000, help="open deadlines")
    parser.add_argument("--due", type=int, default=10_000, help="timers due now")
    parser.add_argument("--batch", type=int, default=defaults.batch_size, help="claim size")
    parser.add_argument("--time-limit", type=float, default=900.0, help="seconds per sweep run")
    parser.add_argument("--no-baseline", action="store_true", help="skip the all-due baseline")
    args = parser.parse_args()
    run_and_keep("timers", main_async(args), print_report)


if __name__ == "__main__":
    main()
