"""CPU accounting read from /proc: of our processes, of the PostgreSQL backends serving a
run's databases, and of the whole machine."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, in seconds; None when it is gone or unreadable."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already inside user
    return total - idle, total


@dataclass
class CpuSample:
    at: float
    processes: dict[str, float]  # label -> CPU seconds so far
    machine: tuple[int, int]


async def backend_pids(conn: asyncpg.Connection, databases: list[str]) -> dict[int, str]:
    rows = await conn.fetch(
        "SELECT pid, datname FROM pg_stat_activity WHERE datname = ANY($1::text[])", databases
    )
    return {int(r["pid"]): str(r["datname"]) for r in rows}


async def sample_cpu(
    conn: asyncpg.Connection, pids: dict[str, int], databases: dict[str, str]
) -> CpuSample:
    """CPU so far of our processes and of the PostgreSQL backends serving our databases."""
    processes: dict[str, float] = {}
    for label, pid in pids.items():
        value = cpu_seconds(pid)
        if value is not None:
            processes[label] = value
    by_name = {name: role for role, name in databases.items()}
    for pid, datname in (await backend_pids(conn, list(by_name))).items():
        value = cpu_seconds(pid)
        if value is not None:
            processes[f"pg:{pid}:{by_name[datname]}"] = value
    return CpuSample(time.time(), processes, machine_ticks())


def cpu_between(samples: list[CpuSample]) -> dict[str, float]:
    """CPU seconds per label from the first sample to the last; backends summed per database.

    A process's CPU only grows, so each label counts up to its highest value seen: a pool
    connection closed inside the window, or pgbench's backends gone at its end, still count.
    A backend born inside the window counts whole (pool growth).
    """
    first = samples[0]
    peak: dict[str, float] = {}
    for sample in samples:
        for label, value in sample.processes.items():
            peak[label] = max(peak.get(label, 0.0), value)
    used: dict[str, float] = {}
    for label, value in peak.items():
        key = f"postgres ({label.split(':')[2]})" if label.startswith("pg:") else label
        used[key] = used.get(key, 0.0) + value - first.processes.get(label, 0.0)
    return used


def machine_busy(first: CpuSample, last: CpuSample) -> float:
    """Share of all cores busy between two samples (1.0 = every core, whoever used it)."""
    busy, total = last.machine[0] - first.machine[0], last.machine[1] - first.machine[1]
    return busy / total if total else 0.0
