"""The three services running in-process, on the embedded bus or on PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from services.catalog import SERVICES
from services.intake.limits.buckets import LimitSettings
from shared.auth import Role, ensure_dev_keys, issue_dev_token
from shared.bus.base import Bus
from shared.bus.embedded import EmbeddedBus
from shared.bus.kafka import KafkaBus
from shared.context import context_of, part
from shared.db import Database
from shared.kernel import Kernel, ServiceContext
from shared.migrations import upgrade
from shared.settings import BusKind, Settings
from tests.support.production import (
    ALL,
    create_databases,
    production_values,
)

T = TypeVar("T")


async def wait_until(
    probe: Callable[[], Awaitable[T | None]], *, what: str, within: float = 15.0
) -> T:
    """Poll a condition until it holds (never a fixed sleep); fail naming what never happened."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.05)


def kernel_of(app: FastAPI) -> Kernel:
    return part(app, Kernel)


@dataclass
class Stack:
    mode: str
    settings: dict[str, Settings]
    key_dir: Path
    apps: dict[str, FastAPI] = field(default_factory=dict)
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def __getitem__(self, service: str) -> httpx.AsyncClient:
        return self.clients[service]

    def kernel(self, service: str) -> Kernel:
        """A running service's kernel: its database, bus, outbox, relay, consumers, metrics."""
        return kernel_of(self.apps[service])

    def context(self, service: str) -> Any:
        """A running service's own context (IntakeContext, RoutingContext...)."""
        return context_of(self.apps[service], ServiceContext)

    def database(self, service: str) -> Database:
        return self.kernel(service).database

    def token(self, role: Role = Role.official, unit: str | None = "06427", sub: str = "an") -> str:
        return issue_dev_token(
            self.key_dir, role=role, unit_code=unit, sub=sub, settings=self.settings["routing"]
        )

    def auth(self, **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(**kw)}"}

    async def submit(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "kind": "feedback",
            "title": "Đèn đường hỏng ở thôn Bản Chắt",
            "description": "Ba cột đèn trên đường liên thôn không sáng từ tuần trước.",
            "location": {"unit_code": "06427"},
            **overrides,
        }
        response = await self["intake"].post("/v1/cases", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def wait_routed(self, tracking_code: str, *, within: float = 15.0) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            view: dict[str, Any] = (await self["intake"].get(f"/v1/cases/{tracking_code}")).json()
            return view if view["status"] == "routed" and view["deadlines"] else None

        return await wait_until(
            probe, what=f"case {tracking_code} routed with a deadline", within=within
        )

    async def count(self, service: str, table: str, **equals: Any) -> int:
        """Rows of a service's table, optionally where columns equal values (typed binds)."""
        from sqlalchemy import func, select

        t = SERVICES[service].definition.metadata.tables[table]
        query = select(func.count()).select_from(t)
        for column, value in equals.items():
            query = query.where(t.c[column] == value)
        async with self.database(service).sessions() as session:
            return int(await session.scalar(query) or 0)

    async def scalar(self, service: str, sql: str, **params: Any) -> Any:
        from sqlalchemy import text

        async with self.database(service).sessions() as session:
            return await session.scalar(text(sql), params)

    async def waits_for_a_lock(self, service: str) -> bool:
        """Whether a transaction on the service's PostgreSQL database waits for a lock (SQLite
        shows none: its writers wait at BEGIN)."""
        sql = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(await self.scalar(service, sql))


UNLIMITED = 1_000_000


def room(**values: Any) -> LimitSettings:
    """Intake's limits for a test: every in-process client is 127.0.0.1, and tests poll cases
    by code (wait_until), so reads are unlimited unless the test says otherwise (the tests
    of those limits do: tests/security/test_read_limits.py)."""
    return LimitSettings(**{"read_burst": UNLIMITED, "lookup_burst": UNLIMITED, **values})


def embedded_settings(data_dir: Path, **overrides: Any) -> dict[str, Settings]:
    return {
        name: Settings(
            _env_file=None,
            service=name,
            data_dir=data_dir,
            bus=BusKind.embedded,
            **overrides,
        ).with_parts(room())  # type: ignore[call-arg]
        for name in ALL
    }


# Per test process and server: service -> a database migrated once, that each test's
# database is copied from (a test may run a PostgreSQL of its own).
_templates: dict[str, dict[str, str]] = {}
# The URLs of databases copied from a template: already at the head revision.
_migrated: set[str] = set()


async def _migrated_templates(admin_url: str) -> dict[str, str]:
    """Databases at the head revision to copy: CREATE DATABASE … TEMPLATE copies files,
    where running every migration again cost each production-mode test 0.75 s of CPU."""
    if admin_url not in _templates:
        prefix = f"tpl_{uuid.uuid4().hex[:10]}"
        urls = await create_databases(admin_url, prefix)
        for name in ALL:
            await upgrade(urls[name], SERVICES[name].definition.migrations)
        _templates[admin_url] = {name: f"{prefix}_{name}" for name in ALL}
    return _templates[admin_url]


@functools.cache
def _process_keys() -> Path:
    """This test process's development key pair, generated once (2048-bit RSA is 0.05-0.1 s
    of CPU)."""
    folder = Path(tempfile.mkdtemp(prefix="tiepdan-keys-"))
    ensure_dev_keys(folder)
    return folder


def dev_keys(key_dir: Path) -> None:
    """`ensure_dev_keys` for a test: the folder gets this test process's key pair."""
    if not (key_dir / "dev-private.pem").exists():
        shutil.copytree(_process_keys(), key_dir, dirs_exist_ok=True)
    ensure_dev_keys(key_dir)


# Per test process: service -> a SQLite file migrated once, that each embedded-mode test's
# database is copied from (what `_templates` is for PostgreSQL).
_sqlite_templates: dict[str, Path] = {}


async def _from_sqlite_template(service: str, url: str) -> bool:
    """Give a new embedded-mode database its service's schema by copying a migrated file,
    where running every migration cost each embedded-mode stack 0.3-0.5 s of CPU; False
    when `url` is not a SQLite file yet to be made (then the test migrates it as before)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    target = Path(parsed.database)
    if not _new_file(target):
        return False  # a stack started again on its data: it migrates what it has
    if service not in _sqlite_templates:
        folder = tempfile.mkdtemp(prefix=f"tiepdan-template-{service}-")
        template = Path(folder) / f"{service}.db"
        await upgrade(
            parsed.set(database=str(template)).render_as_string(hide_password=False),
            SERVICES[service].definition.migrations,
        )
        _sqlite_templates[service] = template
    _copy_sqlite(_sqlite_templates[service], target)
    return True


def _new_file(path: Path) -> bool:
    return path.parent.is_dir() and not path.exists()


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy of every page, whatever the journal mode."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


# Per test process and broker: topics created in bulk, each handed to one test (with its
# `.dlq`); a test may run a broker of its own.
_spare_topics: dict[str, list[str]] = {}
TOPICS_AT_ONCE = 25


async def _fresh_topic(bootstrap: str) -> str:
    """A topic no other test uses. The broker creates 25 as fast as one (0.6-0.9 s a call
    on this machine's test broker), so they are made 25 at a time, and handed out once
    every partition has a leader. A broker of a test's own (one it stops and starts) gets
    the one topic that test uses: the other 24 and their 96 partitions would only be
    loaded again at each of its starts."""
    spare = _spare_topics.setdefault(bootstrap, [])
    if not spare:
        batch = f"tiepdan.case-events.t{uuid.uuid4().hex[:10]}"
        shared = bootstrap == os.environ.get("TIEPDAN_KAFKA_BOOTSTRAP_SERVERS")
        names = [f"{batch}.{n}" for n in range(TOPICS_AT_ONCE if shared else 1)]
        wanted = {**dict.fromkeys(names, 3), **{f"{name}.dlq": 1 for name in names}}
        await KafkaBus(bootstrap).ensure_topics(wanted, replication_factor=1)
        await _leaders_elected(bootstrap, list(wanted))
        spare.extend(names)
    return spare.pop()


async def _leaders_elected(bootstrap: str, topics: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:

        async def ready() -> bool | None:
            described = await admin.describe_topics(topics)
            return (
                all(
                    t["error_code"] == 0
                    and t["partitions"]
                    and all(p["leader"] >= 0 for p in t["partitions"])
                    for t in described
                )
                or None
            )

        await wait_until(ready, what=f"leaders for the {len(topics)} new topics", within=60)
    finally:
        await admin.close()


async def production_settings(
    admin_url: str, bootstrap: str, work_dir: Path, **overrides: Any
) -> dict[str, Settings]:
    prefix = f"t_{uuid.uuid4().hex[:10]}"
    templates = await _migrated_templates(admin_url)
    urls = await create_databases(admin_url, prefix, templates=templates)
    _migrated.update(urls.values())
    key_dir = work_dir / "keys"
    dev_keys(key_dir)
    topic = await _fresh_topic(bootstrap)
    common: dict[str, Any] = {
        **production_values(
            bootstrap=bootstrap,
            topic=topic,
            group_prefix=f"{prefix}.",
            key_dir=key_dir,
            data_dir=work_dir,
            internal_token="internal-" + prefix,
        ),
        **overrides,
    }
    return {
        name: Settings(_env_file=None, service=name, database_url=urls[name], **common).with_parts(
            room()
        )  # type: ignore[call-arg]
        for name in ALL
    }


@asynccontextmanager
async def running_stack(
    mode: str,
    settings: dict[str, Settings],
    *,
    services: Iterable[str] = ALL,
    migrate: bool = True,
) -> AsyncIterator[Stack]:
    any_settings = next(iter(settings.values()))
    stack = Stack(mode=mode, settings=settings, key_dir=any_settings.resolved_key_dir())
    dev_keys(stack.key_dir)
    async with AsyncExitStack() as exit_stack:
        shared_bus: Bus | None = None
        if mode == "embedded":
            embedded = EmbeddedBus(any_settings.resolved_event_log_url())
            await embedded.start()
            exit_stack.push_async_callback(embedded.close)
            shared_bus = embedded
        for name in services:
            entry = SERVICES[name]
            url = settings[name].database_url_for(name)
            if migrate and url not in _migrated and not await _from_sqlite_template(name, url):
                await upgrade(url, entry.definition.migrations)
            app = entry.app(settings[name], bus=shared_bus)
            # A deadline, not a pause: starting can take long on a loaded machine.
            lifespan = LifespanManager(app, startup_timeout=60, shutdown_timeout=30)
            await exit_stack.enter_async_context(lifespan)
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=f"http://{name}"
            )
            await exit_stack.enter_async_context(client)
            stack.apps[name], stack.clients[name] = app, client
        yield stack
