"""How long a service takes from its process starting to answering /readyz 200 (issue 15).

    eval "$(scripts/test-infra.sh up)"; python -m bench.startup [--rounds 5]

Each round starts `tiepdan serve <service>` in production mode (PostgreSQL, Kafka) for the
three services one after another, and times spawn → first /readyz 200, polled every 20 ms.
Beside it, in the same run: the time to import the service's app module alone in a fresh
interpreter, and the interpreter with FastAPI and SQLAlchemy imported (what no service can
avoid). The target is ready in under 3 s. Each figure also has its CPU time (user + system),
less sensitive than the wall clock to what else the machine runs; the load average is printed.

The processes read compiled bytecode, as in the image (the Dockerfile ships .pyc files): a
first, unmeasured round writes it under the run's directory (PYTHONPYCACHEPREFIX), whatever
PYTHONDONTWRITEBYTECODE says. Without it every start compiles each module from source, about
half of its CPU; `--no-bytecode` measures that.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench.common.cpu import cpu_seconds
from bench.common.stack import REPO, SERVICE_NAMES, Infra, start_service, stop_services

console = Console(stderr=True, highlight=False)
FLOOR = "import fastapi, sqlalchemy.ext.asyncio, asyncpg, pydantic_settings"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _python_seconds(code: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of a fresh interpreter running `code`."""
    began, cpu = time.perf_counter(), _children_cpu()
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True)
    return time.perf_counter() - began, _children_cpu() - cpu


async def _ready_seconds(
    infra: Infra, name: str, env: dict[str, str], log_dir: Any
) -> tuple[float, float]:
    """(wall, CPU of the service's process) seconds from spawn to its first /readyz 200."""
    began = time.perf_counter()
    svc = start_service(name, env, infra.url(name), log_dir)
    try:
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
            while True:
                if svc.proc.poll() is not None:
                    raise RuntimeError(f"{name} exited at start-up:\n{svc.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{svc.url}/readyz")).status_code == 200:
                        return time.perf_counter() - began, cpu_seconds(svc.proc.pid) or 0.0
                if time.perf_counter() - began > 120:
                    raise RuntimeError(f"{name} not ready within 120 s:\n{svc.log_tail()}")
                await asyncio.sleep(0.02)  # a polling interval
    finally:
        stop_services([svc])


async def run(rounds: int, *, bytecode: bool = True) -> dict[str, dict[str, list[float]]]:
    infra = Infra.for_new_run()
    found: dict[str, dict[str, list[float]]] = {
        n: {"ready": [], "ready_cpu": [], "import": [], "import_cpu": []} for n in SERVICE_NAMES
    }
    found["floor"] = {"import": [], "import_cpu": []}
    try:
        await infra.create_databases(SERVICE_NAMES)
        for name in SERVICE_NAMES:
            await infra.migrate(name, name)
        await infra.create_topics()
        log_dir = infra.work_dir / "logs"
        log_dir.mkdir(parents=True)
        env = infra.service_env()
        if bytecode:
            env = infra.with_bytecode(env)
            for name in SERVICE_NAMES:  # writes the bytecode; not measured
                await _ready_seconds(infra, name, env, log_dir)
        for round_ in range(1, rounds + 1):
            _record(found["floor"], "import", _python_seconds(FLOOR, env))
            for name in SERVICE_NAMES:
                imported = _python_seconds(f"import services.{name}.app", env)
                _record(found[name], "import", imported)
                _record(found[name], "ready", await _ready_seconds(infra, name, env, log_dir))
            console.print(f"[bold cyan]\\[startup][/] round {round_}/{rounds} done")
    finally:
        await infra.cleanup()
        shutil.rmtree(infra.work_dir, ignore_errors=True)
    return found


def _record(into: dict[str, list[float]], key: str, wall_cpu: tuple[float, float]) -> None:
    into[key].append(wall_cpu[0])
    into[f"{key}_cpu"].append(wall_cpu[1])


def main() -> None:
    parser = argparse.ArgumentParser(description="process start to /readyz 200, per service")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--no-bytecode", action="store_true", help="compile every module at each start"
    )
    args = parser.parse_args()
    if not 1 <= args.rounds <= 50:
        parser.error("--rounds 1..50")
    load_before = os.getloadavg()
    found = asyncio.run(run(args.rounds, bytecode=not args.no_bytecode))
    load_after = os.getloadavg()
    source = "from source" if args.no_bytecode else "from bytecode"
    table = Table(title=f"Start-up {source}, seconds (median, worst); target: ready < 3 s")
    columns = ("", "spawn → /readyz 200", "its CPU", "import the app alone", "its CPU")
    for column in columns:
        table.add_column(column, justify="right" if column else "left")

    def cell(xs: list[float]) -> str:
        return f"{statistics.median(xs):.2f} ({max(xs):.2f})" if xs else "-"

    for name in (*SERVICE_NAMES, "floor"):
        label = name if name != "floor" else "FastAPI + SQLAlchemy + asyncpg only"
        keys = ("ready", "ready_cpu", "import", "import_cpu")
        table.add_row(label, *(cell(found[name].get(k, [])) for k in keys))
    out = Console(highlight=False)
    out.print(table)
    loads = ", ".join(f"{a:.2f}" for a in (*load_before, *load_after))
    out.print(f"load average (1, 5, 15 min) before, after: {loads}")


if __name__ == "__main__":
    main()
