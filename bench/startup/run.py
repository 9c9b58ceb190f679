"""How long a service takes from its process starting to answering /readyz 200 (issue 15).

    eval "$(scripts/test-infra.sh up)"; python -m bench.startup [--rounds 5]

Each round starts `tiepdan serve <service>` in production mode (PostgreSQL, Kafka) for the
three services one after another, and times spawn → first /readyz 200, polled every 20 ms.
Beside it, in the same run: the time to import the service's app module alone in a fresh
interpreter, and the interpreter with FastAPI and SQLAlchemy imported (what no service can
avoid). The target is ready in under 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench.common.stack import REPO, SERVICE_NAMES, Infra, start_service, stop_services

console = Console(stderr=True, highlight=False)
FLOOR = "import fastapi, sqlalchemy.ext.asyncio, asyncpg, pydantic_settings"


def _python_seconds(code: str) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
    return time.perf_counter() - began


async def _ready_seconds(infra: Infra, name: str, log_dir: Any) -> float:
    began = time.perf_counter()
    svc = start_service(name, infra.service_env(), infra.url(name), log_dir)
    try:
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
            while True:
                if svc.proc.poll() is not None:
                    raise RuntimeError(f"{name} exited at start-up:\n{svc.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{svc.url}/readyz")).status_code == 200:
                        return time.perf_counter() - began
                if time.perf_counter() - began > 120:
                    raise RuntimeError(f"{name} not ready within 120 s:\n{svc.log_tail()}")
                await asyncio.sleep(0.02)  # a polling interval
    finally:
        stop_services([svc])


async def run(rounds: int) -> dict[str, dict[str, list[float]]]:
    infra = Infra.for_new_run()
    found: dict[str, dict[str, list[float]]] = {
        n: {"ready": [], "import": []} for n in SERVICE_NAMES
    }
    found["floor"] = {"import": []}
    try:
        await infra.create_databases(SERVICE_NAMES)
        for name in SERVICE_NAMES:
            await infra.migrate(name, name)
        await infra.create_topics()
        log_dir = infra.work_dir / "logs"
        log_dir.mkdir(parents=True)
        for round_ in range(1, rounds + 1):
            found["floor"]["import"].append(_python_seconds(FLOOR))
            for name in SERVICE_NAMES:
                found[name]["import"].append(_python_seconds(f"import services.{name}.app"))
                found[name]["ready"].append(await _ready_seconds(infra, name, log_dir))
            console.print(f"[bold cyan]\\[startup][/] round {round_}/{rounds} done")
    finally:
        await infra.cleanup()
        shutil.rmtree(infra.work_dir, ignore_errors=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description="process start to /readyz 200, per service")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not 1 <= args.rounds <= 50:
        parser.error("--rounds 1..50")
    found = asyncio.run(run(args.rounds))
    table = Table(title="Start-up, seconds (median, worst); target: ready < 3 s")
    for column in ("", "spawn → /readyz 200", "import the app alone", "ready ÷ import"):
        table.add_column(column, justify="right" if column else "left")
    for name in (*SERVICE_NAMES, "floor"):
        ready, imported = found[name].get("ready", []), found[name]["import"]

        def cell(xs: list[float]) -> str:
            return f"{statistics.median(xs):.2f} ({max(xs):.2f})" if xs else "-"

        ratio = f"{statistics.median(ready) / statistics.median(imported):.1f}x" if ready else ""
        label = name if name != "floor" else "FastAPI + SQLAlchemy + asyncpg only"
        table.add_row(label, cell(ready), cell(imported), ratio)
    Console(highlight=False).print(table)


if __name__ == "__main__":
    main()
