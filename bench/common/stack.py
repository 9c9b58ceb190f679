"""The benchmark's own infrastructure: databases, topics, keys, and the three services as
separate processes in production mode; plus CPU accounting read from /proc."""

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
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from services.catalog import SERVICES
from shared.auth import ensure_dev_keys
from shared.bus.kafka import KafkaBus
from shared.migrations import upgrade

REPO = Path(__file__).resolve().parent.parent
SERVICE_NAMES = ("intake", "routing", "notification")
TICK = os.sysconf("SC_CLK_TCK")


def db_url(admin_url: str, database: str, *, driver: str = "postgresql+asyncpg") -> str:
    url = make_url(admin_url).set(drivername=driver, database=database)
    return url.render_as_string(hide_password=False)


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
        conn = await self.admin()
        try:
            for role in roles:
                name = f"{self.run_id}_{role}"
                await conn.execute(f'CREATE DATABASE "{name}"')
                self.databases[role] = name
        finally:
            await conn.close()

    async def migrate(self, role: str, service: str) -> None:
        await upgrade(self.url(role), SERVICES[service].definition.migrations)

    async def create_topics(self) -> None:
        wanted = {self.topic: 6, f"{self.topic}.dlq": 1}  # the production default of 6
        await KafkaBus(self.bootstrap).ensure_topics(wanted, replication_factor=1)
        self.topics = list(wanted)

    def service_env(self) -> dict[str, str]:
        key_dir = self.work_dir / "keys"
        ensure_dev_keys(key_dir)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIEPDAN_")}
        env.update(
            TIEPDAN_ENV="production",
            TIEPDAN_BUS="kafka",
            TIEPDAN_KAFKA_BOOTSTRAP_SERVERS=self.bootstrap,
            TIEPDAN_KAFKA_TOPIC=self.topic,
            TIEPDAN_KAFKA_DEAD_LETTER_TOPIC=f"{self.topic}.dlq",
            TIEPDAN_KAFKA_GROUP_PREFIX=f"{self.run_id}.",
            TIEPDAN_JWT_JWKS_URL=str(key_dir / "jwks.json"),
            TIEPDAN_JWT_KEY_DIR=str(key_dir),
            TIEPDAN_IDENTITY_KEYS=Fernet.generate_key().decode(),
            # Production mode refuses to serve without these (shared/settings.py): a token of
            # the run, and the local broker's PLAINTEXT acknowledged.
            TIEPDAN_INTERNAL_TOKEN=f"bench-{self.run_id}",
            TIEPDAN_ALLOW_PLAINTEXT_TRANSPORT="true",
            TIEPDAN_DATA_DIR=str(self.work_dir / "data"),
            TIEPDAN_LOG_LEVEL="WARNING",
            # The benchmark measures the work, not intake's abuse limits: all of its requests
            # come from one address (and one api_key), so the write limits are lifted.
            TIEPDAN_LIMITS_IP_BURST="1000000000",
            TIEPDAN_LIMITS_IP_PER_MINUTE="1000000000",
            TIEPDAN_LIMITS_CONTACT_BURST="1000000000",
            TIEPDAN_LIMITS_CONTACT_PER_HOUR="1000000000",
            TIEPDAN_LIMITS_OPEN311_KEY_BURST="1000000000",  # one api_key for all Open311 posts
            TIEPDAN_LIMITS_OPEN311_KEY_PER_MINUTE="1000000000",
            TIEPDAN_LIMITS_READ_BURST="1000000000",  # reads and lookups by code too
            TIEPDAN_LIMITS_READ_PER_MINUTE="1000000000",
            TIEPDAN_LIMITS_LOOKUP_BURST="1000000000",
            TIEPDAN_LIMITS_LOOKUP_PER_MINUTE="1000000000",
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


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, in seconds; None when it is gone or unreadable."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def kafka_broker_pid() -> int | None:
    """The broker scripts/kafka.sh started, if it is ours and alive (shared with other users)."""
    state = Path(os.environ.get("TIEPDAN_KAFKA_STATE_DIR") or REPO / ".tiepdan" / "kafka")
    try:
        pid = int((state / "kafka.pid").read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"kafka" in cmdline else None


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
