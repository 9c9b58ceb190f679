"""The benchmarks count the broker's CPU too: they find it by the port they talk to, from any
checkout (a worktree did not find the one another checkout's script started, and left its CPU
out of the pipeline's total)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common.stack import kafka_broker_pid

pytestmark = pytest.mark.integration


def test_the_broker_is_found_by_the_port_the_run_talks_to(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TIEPDAN_KAFKA_STATE_DIR", str(tmp_path))  # no pid file to read
    pid = kafka_broker_pid(kafka_bootstrap)
    assert pid is not None
    assert b"kafka" in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert kafka_broker_pid(None) is None  # without the port: only the pid file, none here
