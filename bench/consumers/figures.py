"""The arithmetic of the table: rates, CPU per event and ratios from what the runs measured
(pure, tested in tests/bench/test_consumers_figures.py)."""

from __future__ import annotations

from typing import Any


def per_s(events: int, seconds: float) -> float:
    return events / seconds if seconds > 0 else 0.0


def ms_per(cpu_s: float, events: int) -> float:
    return 1000 * cpu_s / events if events > 0 else 0.0


def bare_figures(run: dict[str, Any]) -> dict[str, float]:
    """The bare loop is timed from its first record to its last commit."""
    events = int(run["events"])
    return {
        "events_per_s": per_s(events, run["seconds"]),
        "events_per_s_from_start": per_s(events, run["from_start_s"]),
        "process_cpu_ms": ms_per(run["process_cpu_s"], events),
        "postgres_cpu_ms": ms_per(run["postgres_cpu_s"], events),
    }


def service_figures(run: dict[str, Any]) -> dict[str, float]:
    """A service is timed from the moment its group was first seen to commit to the moment
    the whole backlog was committed, over the events committed in between: start-up, the
    group's join and the first batches (before the first commit) are left out, as the bare
    loop's start is. From the process's spawn, everything counts (`..._from_start`)."""
    drained = int(run["events"]) - int(run["handled_at_first_commit"])
    window = float(run["drained_s"]) - float(run["first_commit_s"])
    return {
        "events_per_s": per_s(drained, window),
        "events_per_s_from_start": per_s(int(run["events"]), run["drained_s"]),
        "process_cpu_ms": ms_per(run["process_cpu_s"], drained),
        "postgres_cpu_ms": ms_per(run["postgres_cpu_s"], drained),
    }


def ratio(figure: float, bare: float) -> float | None:
    return figure / bare if bare > 0 else None
