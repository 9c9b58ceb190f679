"""A PostgreSQL or Kafka of a test's (or a benchmark's) own, through the project's scripts.

The shared servers `make test` starts stay up for everyone else; a test that stops,
crashes or restarts a server uses one of these, in its own state folder."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_STATE = {"postgres": "TIEPDAN_PG_STATE_DIR", "kafka": "TIEPDAN_KAFKA_STATE_DIR"}
_PRESET = {"postgres": "TIEPDAN_TEST_DATABASE_URL", "kafka": "TIEPDAN_KAFKA_BOOTSTRAP_SERVERS"}


def server(name: str, command: str, state_dir: Path, **env: str) -> str:
    """Run scripts/{postgres,kafka}.sh COMMAND on the server in `state_dir`; its stdout."""
    environ = {k: v for k, v in os.environ.items() if k != _PRESET[name]}
    environ[_STATE[name]] = str(state_dir)
    environ.update(env)
    result = subprocess.run(
        [str(REPO / "scripts" / f"{name}.sh"), command],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{name}.sh {command} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def address(name: str, state_dir: Path) -> str:
    """The URL (PostgreSQL) or bootstrap servers (Kafka) of the running server."""
    return server(name, "env", state_dir).strip().split("=", 1)[1]
