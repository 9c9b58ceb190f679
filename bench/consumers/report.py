"""The table printed at the end of `python -m bench.consumers`."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from bench.consumers.figures import bare_figures, ratio, service_figures

GOAL = 0.5  # issue 14: each consumer at least half the bare loop's events/s
NOTE = (
    "events/s: bare from its first record to its last offset commit; a service from its "
    "group's first commit seen to its whole backlog committed (start-up, join and first "
    "batches left out; 'from spawn' counts them); '+N own': the service's own events it read "
    "back from the topic inside the window, done but not counted. CPU per event over the "
    "same window: the consumer's process (bare: this benchmark's), and the PostgreSQL "
    "backends of its database. 'CPU ÷ bare': the bare loop's CPU per event (process + "
    "PostgreSQL) over the contender's, the ratio if CPU were the only limit. ✓: at least "
    "{goal} of the bare loop's events/s (issue 14)."
)


def _ms(value: float) -> str:
    return f"{value:.3f}" if value < 0.1 else f"{value:.2f}"  # the bare loop's are hundredths


def figures(name: str, run: dict[str, Any]) -> dict[str, float]:
    return bare_figures(run) if name == "bare" else service_figures(run)


def print_report(result: dict[str, Any]) -> None:
    out = Console(highlight=False, width=170)  # the table's columns, also when piped
    m, v = result["machine"], result.get("versions", {})
    out.print(
        f"\n[bold]machine[/]: {m['nproc']} CPUs, {m['cpu_model']}, {m['memory_gib']} GiB, "
        f"load average at start {m['loadavg_at_start']}, at end {result['loadavg_at_end']}"
    )
    names = ("postgresql", "kafka", "python", "sqlalchemy", "asyncpg", "aiokafka")
    out.print("[bold]versions[/]: " + ", ".join(f"{k} {v[k]}" for k in names if k in v))
    runs = result["runs"]
    yard = figures("bare", runs["bare"]) if "bare" in runs else {}
    bare = yard.get("events_per_s", 0.0)
    bare_cpu = yard.get("process_cpu_ms", 0.0) + yard.get("postgres_cpu_ms", 0.0)
    t = Table(title=f"Consumers against a bare consume-insert-commit loop, "
              f"{result['args']['events']:,} cases")  # fmt: skip
    for col in ("contender", "events", "events/s", "÷ bare", "CPU ÷ bare", "events/s from spawn",
                "CPU ms/event", "its PG ms/event", "ready / 1st commit / drained (s)",
                "load avg before → after"):  # fmt: skip
        t.add_column(col, justify="left" if col == "contender" else "right")
    for name, run in runs.items():
        f = figures(name, run)
        share = ratio(f["events_per_s"], bare) if name != "bare" else None
        shown = "-" if share is None else f"{share:.3f}" + (" ✓" if share >= GOAL else "")
        # Events per CPU second against the bare loop's (process + its PostgreSQL): what the
        # ratio would be with the cores to itself, less sensitive to a shared machine's load.
        cpu = f["process_cpu_ms"] + f["postgres_cpu_ms"]
        per_cpu = ratio(bare_cpu, cpu) if name != "bare" and cpu and bare_cpu else None
        if name == "bare":
            marks = f"- / - / {run['seconds']:.1f}"
        else:
            ready = f"{run['ready_s']:.1f}" if run["ready_s"] is not None else "?"
            marks = f"{ready} / {run['first_commit_s']:.1f} / {run['drained_s']:.1f}"
        done = "" if run["complete"] else " [red](incomplete)[/]"
        own = run.get("own_events_read_back")
        t.add_row(
            name + done, f"{run['events']:,}" + (f" (+{own:,} own)" if own else ""),
            f"{f['events_per_s']:,.0f}", shown,
            "-" if per_cpu is None else f"{per_cpu:.3f}",
            f"{f['events_per_s_from_start']:,.0f}", _ms(f["process_cpu_ms"]),
            _ms(f["postgres_cpu_ms"]), marks,
            f"{run['loadavg_before'][0]:.1f} → {run['loadavg_after'][0]:.1f}",
        )  # fmt: skip
    out.print(t)
    out.print(NOTE.format(goal=GOAL))
