"""What a run was measured on, written beside its figures: the machine, its load at the
start, and the versions of the servers and libraries."""

from __future__ import annotations

import asyncio
import os
import platform
import re
import shutil
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.common.stack import REPO, Infra

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model.group(1).strip() if model else "unknown",
        "memory_gib": round(int(mem.group(1)) / 1024**2, 1) if mem else None,
        "kernel": platform.release(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def kafka_version() -> str:
    if os.environ.get("KAFKA_VERSION"):
        return os.environ["KAFKA_VERSION"]
    script = (REPO / "scripts" / "kafka.sh").read_text()
    found = re.search(r'^KAFKA_VERSION="\$\{KAFKA_VERSION:-([^}]+)\}"', script, re.MULTILINE)
    return found.group(1) if found else "unknown"


def pgbench_path() -> str:
    found = PG_BIN / "pgbench"
    if found.exists():
        return str(found)
    other = shutil.which("pgbench")
    if other is None:
        raise RuntimeError(f"pgbench not found in {PG_BIN} or on PATH (apt-get install postgresql)")
    return other


async def pgbench_version() -> str:
    proc = await asyncio.create_subprocess_exec(
        pgbench_path(), "--version", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 10)
    return out.decode().strip()


async def versions(infra: Infra) -> dict[str, str]:
    conn = await infra.admin()
    try:
        postgres = str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()
    found = {"postgresql": postgres, "pgbench": await pgbench_version()}
    found |= {"kafka": kafka_version(), "python": platform.python_version()}
    for package in ("fastapi", "uvicorn", "sqlalchemy", "asyncpg", "aiokafka", "httpx"):
        found[package] = version(package)
    return found
