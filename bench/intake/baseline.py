"""The pgbench baseline: one submission's SQL transaction (bench/intake/sql/submit.sql)."""

from __future__ import annotations

import asyncio
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

from bench.common.machine import pgbench_path
from bench.common.timing import latency_summary

SCRIPT = Path(__file__).resolve().parent / "sql" / "submit.sql"
MAX_LOG_LINES = 20_000_000  # a bound on parsing: ~5x what 60 s at 50k tps would write


def _read_logs(prefix: Path, start: float, end: float) -> list[float]:
    """Latencies (s) of the transactions that completed inside [start, end), from --log files."""
    latencies: list[float] = []
    lines = 0
    for path in sorted(prefix.parent.glob(prefix.name + ".*")):
        with path.open() as log:
            for line in log:
                lines += 1
                if lines > MAX_LOG_LINES:
                    raise RuntimeError("pgbench wrote more log lines than the bench expects")
                parts = line.split()
                if len(parts) < 6 or not parts[2].isdigit():
                    continue  # a failed or skipped transaction
                done_at = int(parts[4]) + int(parts[5]) / 1e6
                if start <= done_at < end:
                    latencies.append(int(parts[2]) / 1e6)
    return latencies


async def run_pgbench(
    url: str, *, concurrency: int, duration: int, warmup: int, log_dir: Path
) -> dict[str, Any]:
    """Run the transaction for warmup + duration seconds; measure the last `duration`."""
    prefix = log_dir / "pgbench"
    command = [
        pgbench_path(),
        "--no-vacuum",
        f"--client={concurrency}",
        f"--jobs={min(2, concurrency)}",
        f"--time={warmup + duration}",
        "--protocol=prepared",
        f"--file={SCRIPT}",
        "--progress=2",
        "--log",
        f"--log-prefix={prefix}",
        url,
    ]
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.time()
    proc = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None

    async def relay_progress(stream: asyncio.StreamReader) -> list[str]:
        kept: list[str] = []
        for _ in range(100_000):  # bounded; ends at EOF
            raw = await stream.readline()
            if not raw:
                break
            line = raw.decode(errors="replace").rstrip()
            kept.append(line)
            if line.startswith("progress:"):
                print(f"[pgbench] {line.removeprefix('progress: ')}", file=sys.stderr, flush=True)
        return kept

    out, err_lines = await asyncio.wait_for(
        asyncio.gather(proc.stdout.read(), relay_progress(proc.stderr)),
        timeout=warmup + duration + 120,
    )
    await proc.wait()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = out.decode(errors="replace")
    if proc.returncode != 0:
        tail = "\n".join([*summary.splitlines()[-5:], *err_lines[-10:]])
        raise RuntimeError(f"pgbench failed ({proc.returncode}):\n{tail}")

    window = (began + warmup, began + warmup + duration)
    latencies = _read_logs(prefix, *window)
    reported_tps = re.search(r"^tps = ([\d.]+)", summary, re.MULTILINE)
    reported_avg = re.search(r"^latency average = ([\d.]+) ms", summary, re.MULTILINE)
    failed = re.search(r"^number of failed transactions: (\d+)", summary, re.MULTILINE)
    client_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    return {
        "command": " ".join([*command[:-1], "URL"]),
        "tps": len(latencies) / duration,
        "latency": latency_summary(latencies),
        "transactions_measured": len(latencies),
        "failed": int(failed.group(1)) if failed else None,
        "reported_tps_whole_run": float(reported_tps.group(1)) if reported_tps else None,
        "reported_latency_avg_ms": float(reported_avg.group(1)) if reported_avg else None,
        "client_cpu_s_whole_run": client_cpu,
        "window_epoch": list(window),
    }
