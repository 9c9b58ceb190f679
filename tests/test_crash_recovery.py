"""Embedded mode survives a killed process: nothing submitted is lost, nothing is doubled."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.stack import UNLIMITED, wait_until

TIEPDAN = str(Path(sys.executable).parent / "tiepdan")
FEEDBACK = {
    "kind": "feedback",
    "title": "Sạt lở taluy dương",
    "description": "Đất đá tràn xuống đường.",
    "location": {"unit_code": "06427"},
}


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


@contextmanager
def _dev(
    data_dir: Path, ports: list[int], *, only: str | None = None, crash_at: str = ""
) -> Iterator[subprocess.Popen[bytes]]:
    args = [TIEPDAN, "dev", "--ports", ",".join(map(str, ports))]
    if only:
        args += ["--only", only]
    env = {
        **os.environ,
        "TIEPDAN_DATA_DIR": str(data_dir),
        "TIEPDAN_FAULT_CRASH_AT": crash_at,
        "TIEPDAN_RELAY_POLL_SECONDS": "0.2",
        # The test polls cases by code from one address (tests/support/stack.py's `room`).
        "TIEPDAN_LIMITS_READ_BURST": str(UNLIMITED),
        "TIEPDAN_LIMITS_LOOKUP_BURST": str(UNLIMITED),
    }
    log = (data_dir / "dev.log").open("ab")
    process = subprocess.Popen(args, env=env, stdout=log, stderr=log)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        log.close()


async def _ready(port: int) -> bool:
    try:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"http://127.0.0.1:{port}/readyz", timeout=1)).is_success
    except httpx.HTTPError:
        return False


async def _view(port: int, code: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/v1/cases/{code}", timeout=5)
        result: dict[str, Any] = response.json()
        return result


async def _routed(port: int, code: str) -> dict[str, Any] | None:
    try:
        view = await _view(port, code)
    except httpx.HTTPError:
        return None  # still starting
    return view if view["status"] == "routed" and view["deadlines"] else None


def _count(data_dir: Path, db: str, sql: str) -> int:
    with sqlite3.connect(data_dir / f"{db}.db") as conn:
        return int(conn.execute(sql).fetchone()[0])


def _assert_routed_once(data_dir: Path) -> None:
    assert _count(data_dir, "intake", "SELECT count(*) FROM cases") == 1
    assert _count(data_dir, "routing", "SELECT count(*) FROM cases") == 1
    assert _count(data_dir, "routing", "SELECT count(*) FROM case_history") == 1
    assert _count(data_dir, "notification", "SELECT count(*) FROM deadlines") == 1
    assert _count(data_dir, "intake", "SELECT count(*) FROM case_timeline WHERE step='routed'") == 1
    assert _count(data_dir, "intake", "SELECT count(*) FROM case_deadlines") == 1


async def test_killed_between_submission_and_routing(tmp_path: Path) -> None:
    ports = _free_ports(3)
    with _dev(tmp_path, ports, only="intake") as process:
        await wait_until(lambda: _ready(ports[0]), what="intake ready", within=60)
        async with httpx.AsyncClient() as client:
            created = await client.post(f"http://127.0.0.1:{ports[0]}/v1/cases", json=FEEDBACK)
        assert created.status_code == 201
        process.send_signal(signal.SIGKILL)  # routing never saw it
    code = created.json()["tracking_code"]

    with _dev(tmp_path, ports) as process:
        await wait_until(lambda: _routed(ports[0], code), what="routed after restart", within=60)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0  # Ctrl-C stops cleanly
    _assert_routed_once(tmp_path)


async def test_killed_after_routing_committed_but_before_its_offset(tmp_path: Path) -> None:
    ports = _free_ports(3)
    with _dev(tmp_path, ports, crash_at="routing.cases.after_commit") as process:
        await wait_until(lambda: _ready(ports[0]), what="services ready", within=60)
        async with httpx.AsyncClient() as client:
            created = await client.post(f"http://127.0.0.1:{ports[0]}/v1/cases", json=FEEDBACK)
        assert created.status_code == 201
        assert process.wait(timeout=30) == 137  # died at the crash point
    code = created.json()["tracking_code"]

    with _dev(tmp_path, ports) as process:
        view = await wait_until(
            lambda: _routed(ports[0], code), what="routed after restart", within=60
        )
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert view["unit"]["code"] == "06427"
    _assert_routed_once(tmp_path)  # the redelivered event was recognised, not handled again
