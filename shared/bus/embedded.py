"""The embedded bus: a durable event log in SQLite, read by consumer groups at stored offsets.

One partition per topic, so every topic is totally ordered (stronger than per-key order).
Appends wake waiting subscribers in this process; other processes find them by polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shared.bus.base import IncomingRecord, OutgoingRecord
from shared.db import Database, UtcDateTime

metadata = MetaData()
log_table = Table(
    "event_log",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=True),
    Column("topic", String(200), nullable=False, index=True),
    Column("key", String(200), nullable=True),
    Column("value", LargeBinary, nullable=False),
    Column("headers", Text, nullable=False, default="[]"),
    Column("appended_at", UtcDateTime, nullable=False),
)
offsets_table = Table(
    "group_offsets",
    metadata,
    Column("group_id", String(200), primary_key=True),
    Column("topic", String(200), primary_key=True),
    Column("next_position", Integer, nullable=False),
)

POLL_SECONDS = 0.5  # how soon an append by another process is seen


class EmbeddedBus:
    def __init__(self, url: str) -> None:
        self.url = url
        self._db: Database | None = None
        self._appended = asyncio.Condition()
        self._version = 0

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("embedded bus not started")
        return self._db

    async def start(self) -> None:
        if self._db is not None:
            return
        self._db = Database(self.url)
        async with self._db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def close(self) -> None:
        if self._db is not None:
            await self._db.dispose()
            self._db = None

    async def ping(self) -> None:
        await self.db.ping()

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        if not records:
            return
        now = datetime.now(UTC)
        rows = [
            {
                "topic": r.topic,
                "key": r.key,
                "value": r.value,
                "appended_at": now,
                "headers": json.dumps([[k, v.decode("latin-1")] for k, v in r.headers]),
            }
            for r in records
        ]
        async with self.db.transaction() as session:
            await session.execute(insert(log_table), rows)
        async with self._appended:
            self._version += 1
            self._appended.notify_all()

    async def wait_for_append(self, seen_version: int, timeout: float) -> None:
        async with self._appended:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._appended.wait_for(lambda: self._version > seen_version), timeout
                )

    async def subscribe(
        self, group: str, topics: Sequence[str], *, takes_over: Sequence[str] = ()
    ) -> EmbeddedSubscription:
        sub = EmbeddedSubscription(self, group, list(topics), list(takes_over))
        await sub.load_offsets()
        return sub


class EmbeddedSubscription:
    def __init__(
        self, bus: EmbeddedBus, group: str, topics: list[str], takes_over: list[str]
    ) -> None:
        self.bus = bus
        self.group = group
        self.topics = topics
        self.takes_over = takes_over
        self._next: dict[str, int] = {}
        # The bus's append count when a read last came back empty (None: read first): an
        # idle fetch then waits at once rather than reading the same nothing again.
        self._empty_at: int | None = None

    async def load_offsets(self) -> None:
        groups = [self.group, *self.takes_over]
        async with self.bus.db.transaction() as session:
            rows = await session.execute(
                select(
                    offsets_table.c.group_id, offsets_table.c.topic, offsets_table.c.next_position
                ).where(offsets_table.c.group_id.in_(groups))
            )
            stored = {(group, topic): int(position) for group, topic, position in rows}
        self._next = {}
        self._empty_at = None
        for topic in self.topics:
            if (self.group, topic) in stored:
                self._next[topic] = stored[self.group, topic]
                continue
            # Not read by this group yet: where the slowest of the groups it replaces stopped
            # (from the start if one of them never read the topic).
            theirs = [stored.get((old, topic), 1) for old in self.takes_over]
            self._next[topic] = min(theirs, default=1)

    async def fetch(self, timeout: float, max_records: int) -> list[IncomingRecord]:
        seen = self.bus._version
        # Shielded: a consumer that stops cancels an idle fetch, and a read cut off inside
        # SQLite's transaction could leave the log's write lock taken; the wait is safe to cut.
        if self._empty_at != seen:
            records = await asyncio.shield(self._read(max_records))
            if records:
                return records
        await self.bus.wait_for_append(seen, min(timeout, POLL_SECONDS))
        seen = self.bus._version
        records = await asyncio.shield(self._read(max_records))
        self._empty_at = None if records else seen
        return records

    async def _read(self, max_records: int) -> list[IncomingRecord]:
        out: list[IncomingRecord] = []
        async with self.bus.db.sessions() as session:
            for topic in self.topics:
                rows = await session.execute(
                    select(log_table)
                    .where(log_table.c.topic == topic, log_table.c.position >= self._next[topic])
                    .order_by(log_table.c.position)
                    .limit(max_records - len(out))
                )
                for row in rows:
                    headers = tuple((k, v.encode("latin-1")) for k, v in json.loads(row.headers))
                    out.append(IncomingRecord(topic, 0, row.position, row.key, row.value, headers))
                    self._next[topic] = row.position + 1
                if len(out) >= max_records:
                    break
        return out

    async def caught_up(self) -> bool:
        return True  # one process reading the log itself: an empty fetch is the end

    async def commit(self, next_offsets: Mapping[tuple[str, int], int]) -> bool:
        if not next_offsets:
            return True
        async with self.bus.db.transaction() as session:
            for (topic, _partition), position in next_offsets.items():
                stmt = sqlite_insert(offsets_table).values(
                    group_id=self.group, topic=topic, next_position=position
                )
                await session.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["group_id", "topic"],
                        set_={"next_position": stmt.excluded.next_position},
                    )
                )
        return True

    async def rewind(self, topic: str, partition: int, offset: int) -> None:
        self._next[topic] = offset
        self._empty_at = None

    async def close(self) -> None:
        return None
