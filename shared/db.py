"""Async engines and the one-owner transaction, the same for PostgreSQL and SQLite."""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import BindParameter, DateTime, Table, bindparam, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from shared.context import part
from shared.outages import sqlstate


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in and out on every backend (SQLite drops the zone; we put UTC back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


POOL_TIMEOUT_SECONDS = 10.0
# A pooled connection idle longer than this is pinged before it is handed out; one in
# steady use is not (a round trip per checkout was a tenth of a consumed event's statements).
# A connection that broke while in use fails its unit of work once, as an outage (503 with
# Retry-After to a client, waited out and retried by a consumer), and the pool replaces
# every connection older than the failure.
PING_AFTER_IDLE_SECONDS = 5.0


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    pool_timeout: float = POOL_TIMEOUT_SECONDS,
    ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
) -> AsyncEngine:
    """An engine tuned for its backend: pooled asyncpg, or SQLite in WAL with write locks.

    Its errors never carry a statement's values (hide_parameters): they are logged (a
    consumer's "database unavailable while handling", a 500's traceback), and the values
    are a citizen's words, a denouncer's identity sealed or not, tokens' hashes."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+asyncpg")
        # pool_timeout: a request that finds every connection taken waits this long, then is
        # answered 503 with Retry-After (shared.errors.OutageAnswers), before a client gives up.
        # Up to twice `pool_size`, and every connection opened is kept: an overflow
        # connection closed on its return was opened again by the next burst, and under load
        # that was a connection a second (a backend forked, SCRAM both ways, every statement
        # prepared again) in intake alone.
        engine = _create_async_engine(
            parsed,
            hide_parameters=True,
            pool_size=2 * pool_size,
            max_overflow=0,
            pool_timeout=pool_timeout,
            pool_recycle=3600,
        )
        _ping_when_idle(engine, ping_after_idle)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = _create_async_engine(parsed, hide_parameters=True, connect_args={"timeout": 30})
    _make_sqlite_transactional(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """SQLAlchemy's pessimistic disconnect handling, for connections idle `idle_seconds`."""
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # new, or in steady use
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool discards this connection and checks out another (or a new one).
            raise DisconnectionError("a pooled connection was found closed") from exc


def _make_sqlite_transactional(engine: AsyncEngine) -> None:
    # pysqlite's own BEGIN handling defers the write lock, so two writers can deadlock
    # upgrading their locks; take it at BEGIN instead, and let SQLite wait for it.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives any process crash; only an OS crash can lose the tail.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An engine and its session factory; built in a service's lifespan, disposed on exit."""

    def __init__(
        self, url: str, *, pool_size: int = 10, pool_timeout: float = POOL_TIMEOUT_SECONDS
    ) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size, pool_timeout=pool_timeout)
        # Called with each committed session, e.g. to wake the outbox relay at once.
        self.after_commit: list[Callable[[Session], None]] = []
        session_class = type("TiepdanSession", (Session,), {})
        event.listen(session_class, "after_commit", self._run_after_commit)
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=session_class
        )

    def _run_after_commit(self, session: Session) -> None:
        for hook in self.after_commit:
            hook(session)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """The single owner of a unit of work: commits on success, rolls back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction whose statements all see one moment. Under the default
        READ COMMITTED each statement sees what was committed when it began, so a view read
        in several queries (a case, then its timeline) could mix the states before and
        after a consumer's commit: an old status beside a new timeline."""
        async with self.sessions() as session, session.begin():
            if self.dialect == "postgresql":
                await session.execute(
                    text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                )
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        await self.engine.dispose()


def dialect_of(session: AsyncSession) -> str:
    """The session's database: "postgresql" or "sqlite"."""
    return session.get_bind().dialect.name


def row_params(table: Table, name: str, columns: Iterable[str]) -> dict[str, BindParameter[Any]]:
    """A row of `table` as parameters of a statement built once: each of `columns` a
    parameter named `{name}_{column}`, typed by its column. Several rows, of one table or
    several, then go in one statement (data-modifying CTEs), each under its own name; the
    execution's values are `named_values` of the same rows."""
    return {c: bindparam(f"{name}_{c}", type_=table.c[c].type) for c in columns}


def named_values(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The values for the parameters `row_params` made: each row's, by the row's name."""
    return {f"{name}_{key}": value for name, row in rows.items() for key, value in row.items()}


def upsert_into(dialect: str, entity: Any) -> postgresql.Insert | sqlite.Insert:
    """An `INSERT` into `entity` (a model or a table) that takes ON CONFLICT clauses, in
    `dialect`: one statement where a look-up and an insert (or a write) take two.

    Build it once per dialect (a cached function of `dialect`) and pass the row as the
    execution's parameters: its `excluded` alias, the ON CONFLICT clause and the cache key of
    a statement built with `.values()` cost more CPU, on every call, than the round trip it
    saves."""
    if dialect == "postgresql":
        return postgresql.insert(entity)
    return sqlite.insert(entity)


@functools.cache
def newer_wins(
    dialect: str, entity: Any, *, key: str, stamp: str, columns: tuple[str, ...]
) -> postgresql.Insert | sqlite.Insert:
    """An insert of a row that a later event may restate (a read model's copy): on conflict on
    `key`, its `columns` and `stamp` are set from the row given, unless the row stored has a
    later `stamp` (events arrive out of order; an older one never overwrites). Built once per
    dialect and entity (cached): call it for each row. `entity` is a model, or its table for
    a Core statement (`.from_select(...)`, which the ORM's bulk insert does not take)."""
    statement = upsert_into(dialect, entity)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[key],
        set_={name: new[name] for name in (*columns, stamp)},
        where=statement.table.c[stamp] <= new[stamp],
    )


def violates_foreign_key(exc: IntegrityError) -> bool:
    """Whether a write was refused because a row it references does not exist: a foreign
    key checked by the database (SQLite checks them too: PRAGMA foreign_keys at connect)."""
    name = getattr(exc.orig, "sqlite_errorname", None)
    return sqlstate(exc) == "23503" or name == "SQLITE_CONSTRAINT_FOREIGNKEY"


async def plan_for_these_values(session: AsyncSession) -> None:
    """For the rest of the transaction, let PostgreSQL plan each prepared statement for the
    values it is given. asyncpg prepares every statement; after five runs PostgreSQL may
    switch to one generic plan, chosen blind to the values, and a query whose selectivity
    depends on them (a unit with 100,000 cases or with ten; 'accepted' or a rare status)
    then takes the plan of the wrong case. Costs a planning per execution: fractions of a
    millisecond. Nothing to do on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    database = part(request.app, Database)
    async with database.transaction() as session:
        yield session


async def _snapshot_session(request: Request) -> AsyncIterator[AsyncSession]:
    database = part(request.app, Database)
    async with database.snapshot() as session:
        yield session


# scope="function": the transaction commits when the endpoint returns, before the response
# is sent, so a client is never told "created" about something that was not committed.
DbSession = Annotated[AsyncSession, Depends(_request_session, scope="function")]
# For endpoints that only read, in several queries that must agree with each other.
SnapshotSession = Annotated[AsyncSession, Depends(_snapshot_session, scope="function")]
