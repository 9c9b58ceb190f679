"""The benchmarks' own infrastructure: databases, topics, keys, and the services as separate
processes in production mode, on the servers scripts/test-infra.sh started.

What a production-mode run is (a database per service, the run's topic, the settings) is
the tests' own definition, tests/support/production.py: the tests run the services
in-process with it, the benchmarks as `tiepdan serve` processes given the same values."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx
from aiokafka.admin import AIOKafkaAdminClient

from services.catalog import SERVICES
from shared.auth import ensure_dev_keys
from shared.bus.base import OutgoingRecord
from shared.bus.kafka import KafkaBus
from shared.migrations import upgrade
from shared.settings import Settings
from tests.support.production import (
    ALL,
    as_environment,
    create_databases,
    create_topics,
    production_values,
)
from tests.support.production import (
    database_url as db_url,
)

REPO = Path(__file__).resolve().parents[2]
SERVICE_NAMES = ALL
# The production default (deploy/k8s/base/kafka.yaml creates the topic with as many).
PARTITIONS: int = Settings.model_fields["kafka_partitions"].default
UNLIMITED = "1000000000"


@dataclass
class Infra:
    """What one run creates, so that cleanup removes exactly that and nothing else."""

    admin_url: str
    bootstrap: str
    run_id: str
    work_dir: Path

    databases: dict[str, str] = field(default_factory=dict)  # role -> database name
    topics: list[str] = field(default_factory=list)
    cleanup_s: dict[str, float] = field(default_factory=dict)

    @classmethod
    def for_new_run(cls) -> Infra:
        """Fresh names for one run, on the servers scripts/test-infra.sh started."""
        admin_url = os.environ.get("TIEPDAN_TEST_DATABASE_URL", "")
        bootstrap = os.environ.get("TIEPDAN_KAFKA_BOOTSTRAP_SERVERS", "")
        if not admin_url or not bootstrap:
            raise SystemExit(
                "bench: set TIEPDAN_TEST_DATABASE_URL and TIEPDAN_KAFKA_BOOTSTRAP_SERVERS: "
                'eval "$(scripts/test-infra.sh up)"'
            )
        run_id = f"bench_{uuid.uuid4().hex[:10]}"
        return cls(
            admin_url, bootstrap, run_id, Path(tempfile.mkdtemp(prefix=f"tiepdan-{run_id}-"))
        )

    @property
    def topic(self) -> str:
        return f"tiepdan.case-events.{self.run_id}"

    def url(self, role: str, *, driver: str = "postgresql+asyncpg") -> str:
        return db_url(self.admin_url, self.databases[role], driver=driver)

    async def admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(db_url(self.admin_url, "postgres", driver="postgresql"))

    async def create_databases(self, roles: tuple[str, ...]) -> None:
        # One at a time, so that cleanup knows each one created even if a later one fails.
        for role in roles:
            await create_databases(self.admin_url, self.run_id, (role,))
            self.databases[role] = f"{self.run_id}_{role}"

    async def migrate(self, role: str, service: str) -> None:
        await upgrade(self.url(role), SERVICES[service].definition.migrations)

    async def create_topics(self) -> None:
        self.topics = await create_topics(self.bootstrap, self.topic, partitions=PARTITIONS)

    def with_bytecode(self, env: dict[str, str]) -> dict[str, str]:
        """`env` for processes that read compiled bytecode, as the image's do (the Dockerfile
        ships .pyc files), whatever this machine's PYTHONDONTWRITEBYTECODE says: the first
        start writes it under the run's directory (or the PYTHONPYCACHEPREFIX given, which
        `make test` sets for the whole suite), every later one reads it. Without it each
        start compiles every module from source, about half of its CPU."""
        return {
            **{k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "PYTHONPYCACHEPREFIX": env.get("PYTHONPYCACHEPREFIX") or str(self.work_dir / "pycache"),
        }

    def service_env(self) -> dict[str, str]:
        key_dir = self.work_dir / "keys"
        ensure_dev_keys(key_dir)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIEPDAN_")}
        values = production_values(
            bootstrap=self.bootstrap,
            topic=self.topic,
            group_prefix=f"{self.run_id}.",
            key_dir=key_dir,
            data_dir=self.work_dir / "data",
            internal_token=f"bench-{self.run_id}",
        )
        env.update(as_environment(values))
        env.update(
            TIEPDAN_LOG_LEVEL="WARNING",
            # The benchmark measures the work, not intake's abuse limits: all of its requests
            # come from one address (and one api_key), so the write limits are lifted.
            TIEPDAN_LIMITS_IP_BURST=UNLIMITED,
            TIEPDAN_LIMITS_IP_PER_MINUTE=UNLIMITED,
            TIEPDAN_LIMITS_CONTACT_BURST=UNLIMITED,
            TIEPDAN_LIMITS_CONTACT_PER_HOUR=UNLIMITED,
            TIEPDAN_LIMITS_OPEN311_KEY_BURST=UNLIMITED,  # one api_key for all Open311 posts
            TIEPDAN_LIMITS_OPEN311_KEY_PER_MINUTE=UNLIMITED,
            TIEPDAN_LIMITS_READ_BURST=UNLIMITED,  # reads and lookups by code too
            TIEPDAN_LIMITS_READ_PER_MINUTE=UNLIMITED,
            TIEPDAN_LIMITS_LOOKUP_BURST=UNLIMITED,
            TIEPDAN_LIMITS_LOOKUP_PER_MINUTE=UNLIMITED,
        )
        return env

    async def cleanup(self) -> list[str]:
        """Drop this run's databases and topics; return what could not be removed."""
        problems: list[str] = []
        began = time.monotonic()
        if self.databases:
            try:
                conn = await self.admin()
                try:
                    for name in list(self.databases.values()):
                        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                finally:
                    await conn.close()
                self.databases.clear()
            except Exception as exc:
                problems.append(f"databases {list(self.databases.values())}: {exc}")
        self.cleanup_s["drop databases"] = round(time.monotonic() - began, 1)
        began = time.monotonic()
        if self.topics:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
            try:
                await admin.start()
                await admin.delete_topics(self.topics)
                self.topics = []
            except Exception as exc:
                problems.append(f"topics {self.topics}: {exc}")
            finally:
                await admin.close()
        self.cleanup_s["delete topics"] = round(time.monotonic() - began, 1)
        return problems


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Service:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 15) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def start_service(
    name: str,
    env: dict[str, str],
    database_url: str,
    log_dir: Path,
    *,
    port: int | None = None,
    label: str | None = None,
) -> Service:
    """`tiepdan serve NAME` as a process of its own; `port` to restart a replica where it was,
    `label` to keep replicas' logs apart (appended to, across restarts)."""
    port = port or free_port()
    log_path = log_dir / f"{label or name}.log"
    tiepdan = Path(sys.executable).parent / "tiepdan"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [str(tiepdan), "serve", name, "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "TIEPDAN_DATABASE_URL": database_url},
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return Service(name, port, proc, log_path)


async def wait_ready(services: list[Service], *, within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    pending = list(services)
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        while pending:
            for svc in list(pending):
                if svc.proc.poll() is not None:
                    raise RuntimeError(f"{svc.name} exited at start-up:\n{svc.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{svc.url}/readyz")).status_code == 200:
                        pending.remove(svc)
            if time.monotonic() > deadline:
                names = ", ".join(s.name for s in pending)
                raise RuntimeError(f"not ready within {within:.0f}s: {names}")
            await asyncio.sleep(0.2)


def stop_services(services: list[Service], *, within: float = 30.0) -> dict[str, str]:
    """SIGTERM each (our own pids only), wait, SIGKILL what outlives the grace period;
    return how long each took to exit (a slow shutdown is worth knowing about)."""
    began = time.monotonic()
    for svc in services:
        if svc.proc.poll() is None:
            svc.proc.send_signal(signal.SIGTERM)
    took: dict[str, str] = {}
    pending = list(services)
    while pending and time.monotonic() - began < within:
        for svc in list(pending):
            if svc.proc.poll() is not None:
                took[svc.name] = f"{time.monotonic() - began:.1f} s (exit {svc.proc.returncode})"
                pending.remove(svc)
        time.sleep(0.05)
    for svc in pending:
        svc.proc.kill()
        svc.proc.wait(timeout=10)
        took[svc.name] = f"killed after {within:.0f} s"
    return took


def kafka_broker_pid(bootstrap: str | None = None) -> int | None:
    """The broker this run talks to, if it runs on this machine: the process listening on
    `bootstrap`'s port, else the one scripts/kafka.sh started from this checkout. (A checkout
    that is not the one that started the broker, a worktree, found none and left its CPU
    out.)"""
    if bootstrap and (pid := _listening_on(int(bootstrap.rsplit(":", 1)[1]))) is not None:
        return pid
    state = Path(os.environ.get("TIEPDAN_KAFKA_STATE_DIR") or REPO / ".tiepdan" / "kafka")
    try:
        pid = int((state / "kafka.pid").read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"kafka" in cmdline else None


def _listening_on(port: int) -> int | None:
    """The pid of the process with a TCP socket listening on `port` (/proc/net/tcp{,6}: the
    socket's inode, then the process holding it), if this user may see it and it is Kafka."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                cmdline = (proc / "cmdline").read_bytes()
                return int(proc.name) if b"kafka" in cmdline else None
    return None


async def publish(bootstrap: str, records: list[OutgoingRecord], *, client_id: str) -> float:
    """Publish a benchmark's backlog through the services' own producer (idempotent,
    acks=all), a thousand records at a time; return the seconds it took."""
    bus = KafkaBus(bootstrap, client_id=client_id)
    began = time.monotonic()
    try:
        for i in range(0, len(records), 1000):
            await bus.publish(records[i : i + 1000])
    finally:
        await bus.close()
    return time.monotonic() - began
