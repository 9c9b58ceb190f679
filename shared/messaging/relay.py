"""The outbox relay: publishes committed outbox rows in order and marks them once acknowledged.

It never reads by "position > last seen" (positions are taken at insert, commits land in
another order); it reads every unpublished row, oldest first. Events of one case keep their
order because the services lock a case's row before writing its events, so a later event
of a case always has a later position. One relay per service database at a time: on
PostgreSQL a session advisory lock elects it, and a replica that dies frees the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Executable,
    Row,
    Select,
    any_,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session

from shared.bus.base import Bus, OutgoingRecord
from shared.db import Database
from shared.events import type_label
from shared.messaging.outbox import WAKE_RELAY, Outbox
from shared.metrics import ServiceMetrics
from shared.outages import is_outage

log = logging.getLogger(__name__)
RETENTION = timedelta(days=7)  # published rows kept for inspection and replay
LINGER_SECONDS = 0.005  # like Kafka's linger.ms: batch what commits together
BACKLOG_EVERY_SECONDS = 5.0
MAX_BACKOFF = 5.0  # seconds between attempts while the bus is down: recover soon after it is back


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        database: Database,
        outbox: Outbox,
        bus: Bus,
        metrics: ServiceMetrics,
        batch_size: int = 200,
        poll_seconds: float = 0.5,
    ) -> None:
        self.service = service
        self.database = database
        self.outbox = outbox
        self.bus = bus
        self.metrics = metrics
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._last_cleanup = datetime.min.replace(tzinfo=UTC)
        self._backlog_measured = 0.0
        # Built once: the relay asks them twice a second while idle, for the life of a replica.
        table = outbox.table
        self._pending = (
            select(
                table.c.position, table.c.event_type, table.c.topic, table.c.key, table.c.payload
            )
            .where(table.c.published_at.is_(None))
            .order_by(table.c.position)
            .limit(batch_size)
        )
        self._backlog = (
            select(func.count()).select_from(table).where(table.c.published_at.is_(None))
        )
        # The rows a batch published, marked: on PostgreSQL `= ANY` of an array, one statement
        # text (one prepared statement) whatever the batch's size, where an IN list was a text
        # per size; SQLite has no arrays, its IN list is expanded at each execution.
        if database.dialect == "postgresql":
            array = postgresql.ARRAY(table.c.position.type)
            matched = table.c.position == any_(bindparam("positions", type_=array))
        else:
            matched = table.c.position.in_(bindparam("positions", expanding=True))
        self._mark = (
            update(table)
            .where(matched)
            .values(published_at=bindparam("now", type_=table.c.published_at.type))
        )
        database.after_commit.append(self._on_commit)

    def _on_commit(self, session: Session) -> None:
        if session.info.pop(WAKE_RELAY, False):
            self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        backoff = self.poll_seconds
        while not self._stopping.is_set():
            try:
                async with self._leadership() as leader:
                    while leader.elected and not self._stopping.is_set():
                        await self.publish_pending(leader.connection)
                        await self._cleanup(leader.connection)
                        backoff = self.poll_seconds
                        await self._sleep(self.poll_seconds)
                    if not leader.elected:
                        await self._sleep(self.poll_seconds * 4)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.metrics.relay_errors.inc()
                if is_outage(exc):
                    self.metrics.outage_retries.labels("relay").inc()
                log.warning("outbox relay failed, retrying in %.1fs: %s", backoff, exc)
                await self._sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
            # Woken by a commit: linger a moment so the commits arriving meanwhile (under
            # load, many) leave in one batch rather than one round trip each.
            await asyncio.sleep(LINGER_SECONDS)
        self._wake.clear()

    @contextlib.asynccontextmanager
    async def _leadership(self) -> AsyncIterator[Leadership]:
        if self.database.dialect != "postgresql":
            yield Leadership(True, None)  # SQLite: one process owns the file
            return
        lock_id = zlib.crc32(f"tiepdan.outbox.{self.service}".encode())
        async with self.database.engine.connect() as conn:
            # The connection that holds the lock does the relay's work too, each statement
            # its own transaction: a batch costs its read and its mark, with no pool checkout,
            # BEGIN, COMMIT or ROLLBACK around them.
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            leader = await _try_lock(conn, lock_id)
            try:
                yield Leadership(leader, conn if leader else None)
            finally:
                if leader:
                    await conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})

    async def publish_pending(self, conn: AsyncConnection | None = None) -> int:
        """Publish every unpublished row, batch by batch; return how many were published.
        `conn`: an autocommit connection to do it on (the leader's), else pooled sessions."""
        total = 0
        await self._measure_backlog(conn)  # before publishing: it must rise while the bus is down
        while True:
            rows = await self._rows(conn, self._pending)
            if not rows:
                self.metrics.outbox_backlog.set(0)
                return total
            try:
                await self.bus.publish(
                    [
                        OutgoingRecord(
                            r.topic, r.key, r.payload, (("type", r.event_type.encode()),)
                        )
                        for r in rows
                    ]
                )
            except Exception:
                self.metrics.dependency_up.labels("bus").set(0)
                raise
            self.metrics.dependency_up.labels("bus").set(1)
            # Marked only after the broker acknowledged; a crash here republishes (consumers
            # are idempotent), it never loses.
            await self._execute(
                conn,
                self._mark,
                {"positions": [r.position for r in rows], "now": datetime.now(UTC)},
            )
            for r in rows:
                self.metrics.events_published.labels(type_label(r.event_type)).inc()
            total += len(rows)
            if len(rows) < self.batch_size:
                return total

    async def _measure_backlog(self, conn: AsyncConnection | None) -> None:
        # A count over the unpublished rows is cheap but not free: at most every few seconds.
        now = time.monotonic()
        if now - self._backlog_measured < BACKLOG_EVERY_SECONDS:
            return
        self._backlog_measured = now
        ((backlog,),) = await self._rows(conn, self._backlog)
        self.metrics.outbox_backlog.set(backlog or 0)

    async def _cleanup(self, conn: AsyncConnection | None = None) -> None:
        now = datetime.now(UTC)
        if now - self._last_cleanup < timedelta(minutes=10):
            return
        self._last_cleanup = now
        table = self.outbox.table
        await self._execute(conn, delete(table).where(table.c.published_at < now - RETENTION))

    async def _rows(self, conn: AsyncConnection | None, query: Select[Any]) -> Sequence[Row[Any]]:
        """A read, on the leader's autocommit connection or in a session of its own."""
        rows: Sequence[Row[Any]]
        if conn is not None:
            rows = (await conn.execute(query)).all()
        else:
            async with self.database.sessions() as session:
                rows = (await session.execute(query)).all()
        return rows

    async def _execute(
        self,
        conn: AsyncConnection | None,
        statement: Executable,
        params: dict[str, Any] | None = None,
    ) -> None:
        """A write, on the leader's autocommit connection or in a transaction of its own."""
        if conn is not None:
            await conn.execute(statement, params)
            return
        async with self.database.transaction() as session:
            await session.execute(statement, params)


@dataclass(frozen=True)
class Leadership:
    """Whether this replica's relay is the one publishing, and the connection it holds the
    leadership on (PostgreSQL, in autocommit); None on SQLite, where sessions are used."""

    elected: bool
    connection: AsyncConnection | None


async def _try_lock(conn: AsyncConnection, lock_id: int) -> bool:
    got = await conn.scalar(text("SELECT pg_try_advisory_lock(:id)"), {"id": lock_id})
    return bool(got)
