"""Idempotent consumption: events handled in batches, each event's id recorded with its effect.

What one fetch returns for a partition is handled in one transaction, in order: the event ids
are recorded first with one `INSERT … ON CONFLICT DO NOTHING RETURNING` (on PostgreSQL of the
ids as arrays: one statement text whatever the batch size), and only the ids it returns (not
seen before) are handled. At-least-once delivery plus that record gives one effect per event.
Offsets are committed (offset + 1 per partition) only after the transaction, and at most every
COMMIT_EVERY_SECONDS while records keep coming (at once when a fetch comes back empty, and
before a stop): under a trickle of events most fetches bring one or two, and a commit per fetch
was a broker round trip per event. A crash or a rebalance before the commit only redelivers
what the processed-event records then skip. A batch that fails is rolled back and its events
handled one at a time, so a poison event is still isolated: retried with back-off, then parked
in the dead-letter topic with its error. An infrastructure failure (database down) is retried
until it heals, never dead-lettered.

A consumer that replaced several groups does its work in `Part`s, each recorded under the name
of the group that did it before (notification: its clocks, then its notices). The parts'
records go into the same statement as the consumer's own, and a part already recorded (by an
old group, or an old replica beside this one) is skipped.

A service writes its handlers in one style: module-level `async def on_<event>(session, event,
deps)`, `deps` the typed dependencies they share (routing's outbox, units and rules...), in a
table per feature, joined into one table per consumer; `bind` gives the consumer that table
with the dependencies filled in (shared/app.py's `ServiceDefinition.consumers`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import ValidationError
from sqlalchemy import Insert, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus.base import Bus, IncomingRecord, OutgoingRecord, Subscription
from shared.db import Database
from shared.events import Envelope, type_label
from shared.faults import crash_point
from shared.logging import log_context
from shared.metrics import ServiceMetrics
from shared.outages import is_outage

log = logging.getLogger(__name__)
# Offsets done are committed this often at most while records keep coming (module docstring).
COMMIT_EVERY_SECONDS = 0.25
# While a dependency is down the event in hand is retried with back-off up to this; then the
# partition is rewound and fetched again, so that the consumer keeps polling (its group
# membership) and stops promptly, and it goes on like that for as long as the outage lasts.
OUTAGE_BACKOFF_MAX = 5.0
OUTAGE_HOLD_SECONDS = 20.0

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
Work = tuple[IncomingRecord, Envelope, Handler]
D = TypeVar("D")
# A service's handler: the event, in the consumer's transaction, with the service's typed
# dependencies. One that needs none takes `deps: object` (it fits any service's table).
DepsHandler = Callable[[AsyncSession, Envelope, D], Awaitable[None]]


@dataclass(frozen=True)
class Bound(Generic[D]):
    """A handler with its dependencies: what the consumer calls (`Handler`)."""

    handler: DepsHandler[D]
    deps: D

    async def __call__(self, session: AsyncSession, event: Envelope) -> None:
        await self.handler(session, event, self.deps)


def bind(table: Mapping[str, DepsHandler[D]], deps: D) -> dict[str, Handler]:
    """{event type -> handler} for a consumer: each of `table`'s handlers given `deps`. The
    one place where a service's handlers meet their dependencies."""
    return {event_type: Bound(handler, deps) for event_type, handler in table.items()}


@dataclass(frozen=True)
class Part:
    """One part of what a consumer does with an event, done once under a record of its own."""

    record: str  # the processed-events name (the group that did this part before)
    handlers: Mapping[str, Handler]


# What a service hands a consumer: a handler per event type, or its parts in order.
Handlers = Mapping[str, Handler] | Sequence[Part]


class _InfrastructureDown(Exception):
    pass


@dataclass(frozen=True)
class ConsumerConfig:
    name: str  # the consumer group, and the key of its processed-events records
    topic: str
    dead_letter_topic: str
    max_attempts: int = 5
    retry_base_seconds: float = 0.2
    fault_crash_at: str = ""
    batch_size: int = 200  # events fetched at once, handled in one transaction per partition
    # The groups this one replaces: it starts where the slowest of them stopped (Bus.subscribe);
    # its handlers skip what they had already done (an example: docs/operations.md, "Upgrade:
    # notification's two consumer groups become one").
    takes_over: tuple[str, ...] = ()


class EventConsumer:
    def __init__(
        self,
        config: ConsumerConfig,
        *,
        database: Database,
        processed: Table,
        handlers: Handlers,
        bus: Bus,
        metrics: ServiceMetrics,
    ) -> None:
        self.config = config
        self.database = database
        self.processed = processed
        self.parts: list[Part] = [] if isinstance(handlers, Mapping) else list(handlers)
        self.handlers: Mapping[str, Handler] = (
            handlers if isinstance(handlers, Mapping) else self._parted_handlers()
        )
        # The parts of an event its records claimed, from the claim to its handling (one
        # transaction); keyed by event id, so partitions handled side by side never mix.
        self._claimed: dict[uuid.UUID, set[str]] = {}
        self.bus = bus
        self.metrics = metrics
        self._stopping = asyncio.Event()
        self.ready = asyncio.Event()
        self._record = _record_statement(processed, database.dialect)
        self._arrays = database.dialect == "postgresql"  # the record takes its rows as arrays
        self._records_of: dict[str, tuple[str, ...]] = {}  # per event type (`_names`)

    def stop(self) -> None:
        """Stop fetching; the record in hand is finished and committed first."""
        self._stopping.set()

    async def run(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                subscription = await self.bus.subscribe(
                    self.config.name, [self.config.topic], takes_over=self.config.takes_over
                )
            except Exception as exc:
                log.warning("consumer %s cannot subscribe yet: %s", self.config.name, exc)
                await self._pause(backoff)
                backoff = min(backoff * 2, 15.0)
                continue
            self.ready.set()
            backoff = 0.5
            try:
                await self._consume(subscription)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # The bus failed under us (broker gone, session lost): nothing uncommitted is
                # lost, it is read again after subscribing anew.
                log.warning("consumer %s lost its subscription: %s", self.config.name, exc)
                await self._pause(backoff)
            finally:
                with contextlib.suppress(Exception):
                    await subscription.close()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _consume(self, subscription: Subscription) -> None:
        uncommitted: dict[tuple[str, int], int] = {}
        committed_at = time.monotonic()
        while not self._stopping.is_set():
            records = await self._fetch_unless_stopped(subscription)
            by_partition: dict[tuple[str, int], list[IncomingRecord]] = {}
            for record in records:
                by_partition.setdefault(record.position, []).append(record)
            # In order within a partition (one case's events), in parallel across partitions.
            outcomes = await asyncio.gather(
                *(self._process_partition(batch) for batch in by_partition.values())
            )
            done = {pos: nxt for pos, (nxt, _) in zip(by_partition, outcomes, strict=True) if nxt}
            unfinished = {
                pos: first
                for pos, (_, first) in zip(by_partition, outcomes, strict=True)
                if first is not None
            }
            for (topic, partition), offset in unfinished.items():
                # The database went away mid-batch: read these again once it is back.
                await subscription.rewind(topic, partition, offset)
            uncommitted |= done
            now = time.monotonic()
            if uncommitted and (
                not records or unfinished or now - committed_at >= COMMIT_EVERY_SECONDS
            ):
                await self._commit(subscription, uncommitted)
                uncommitted, committed_at = {}, now
            if unfinished:
                await self._pause(1.0)
        await self._commit(subscription, uncommitted)  # stopping: what is done is committed

    async def _commit(
        self, subscription: Subscription, offsets: Mapping[tuple[str, int], int]
    ) -> None:
        if not await subscription.commit(offsets):
            self.metrics.commit_failures.labels(self.config.name).inc()

    async def _fetch_unless_stopped(self, subscription: Subscription) -> list[IncomingRecord]:
        """The next records, or none once `stop()` is called: a stop does not wait out an
        idle fetch (nothing is in hand, and what the fetch had buffered is read again)."""
        fetch = asyncio.ensure_future(
            subscription.fetch(timeout=1.0, max_records=self.config.batch_size)
        )
        stopped = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((fetch, stopped), return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            fetch.cancel()
            raise
        finally:
            stopped.cancel()
        if fetch.done():
            return fetch.result()
        fetch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fetch
        return []

    async def _process_partition(
        self, records: list[IncomingRecord]
    ) -> tuple[int | None, int | None]:
        """Handle one partition's records in order; return (next offset to commit, first
        offset left unhandled because the infrastructure is down)."""
        work: dict[int, Work] = {}
        for record in records:
            declared = _declared_type(record)
            if declared is not None and declared not in self.handlers:
                continue  # its header names a type this consumer does not take: not parsed
            try:
                envelope = Envelope.from_bytes(record.value)
            except ValidationError as exc:
                await self._dead_letter(record, f"undecodable event: {exc}")
                continue
            handler = self.handlers.get(envelope.type)
            if handler is not None:  # else not an event this consumer cares about
                work[record.offset] = (record, envelope, handler)
        if self._stopping.is_set():
            return None, None  # not committed: read again on the next start
        if len(work) > 1 and await self._handle_batch(list(work.values())):
            return records[-1].offset + 1, None
        # One at a time: a single event, or a batch that failed and is isolated event by event.
        next_offset: int | None = None
        for record in records:
            if self._stopping.is_set():
                break  # not committed: read again on the next start
            if (item := work.get(record.offset)) is not None:
                try:
                    await self._handle_with_retries(*item)
                except _InfrastructureDown:
                    return next_offset, record.offset
            next_offset = record.offset + 1
        return next_offset, None

    async def _handle_batch(self, work: list[Work]) -> bool:
        """All of `work` in one transaction; False (nothing kept) if any of it failed."""
        started = time.perf_counter()
        outcomes: list[str] = []
        try:
            async with self.database.transaction() as session:
                fresh = await self._record_ids(session, [envelope for _, envelope, _ in work])
                for _, envelope, handler in work:
                    if envelope.id not in fresh:
                        outcomes.append("duplicate")  # seen before, or twice in this batch
                        continue
                    fresh.discard(envelope.id)
                    with self._logged(envelope):
                        await handler(session, envelope)
                        await session.flush()
                    # The next handler reloads what it reads, as it would in a transaction of
                    # its own (a Core UPDATE by one handler is not in the ORM's copies).
                    session.expunge_all()
                    outcomes.append("handled")
        except Exception as exc:
            if is_outage(exc):
                self.metrics.outage_retries.labels(self.config.name).inc()
                self.metrics.dependency_up.labels("database").set(0)
            log.info("a batch of %d events failed, handling them one at a time: %s", len(work), exc)
            return False
        finally:
            for _, envelope, _ in work:  # rolled back: claimed again one at a time
                self._claimed.pop(envelope.id, None)
        self.metrics.dependency_up.labels("database").set(1)
        each = (time.perf_counter() - started) / len(work)
        for (_, envelope, _), outcome in zip(work, outcomes, strict=True):
            self.metrics.handler_latency.labels(self.config.name).observe(each)
            self.metrics.events_consumed.labels(
                self.config.name, type_label(envelope.type), outcome
            ).inc()
        self.metrics.consumer_lag_seconds.labels(self.config.name).set(
            (datetime.now(UTC) - work[-1][1].time).total_seconds()
        )
        crash_point(self.config.fault_crash_at, f"{self.config.name}.after_commit")
        return True

    def _logged(self, envelope: Envelope) -> contextlib.AbstractContextManager[None]:
        """Every log line while handling `envelope` names it, its case and this consumer."""
        return log_context(
            event_id=envelope.id,
            case_id=envelope.case_id,
            event_type=envelope.type,
            consumer=self.config.name,
        )

    async def _record_ids(self, session: AsyncSession, envelopes: list[Envelope]) -> set[Any]:
        """Record the events as processed by this consumer, and each event's parts under their
        own names, in one statement; return the ids not recorded before, and keep which parts
        each one claimed. A replica recording the same row in a transaction still open waits
        for it."""
        consumers: list[str] = []
        ids: list[uuid.UUID] = []
        for e in envelopes:
            names = self._records_of.get(e.type) or self._names(e.type)
            consumers += names
            ids += [e.id] * len(names)
        now = datetime.now(UTC)
        params: dict[str, Any] | list[dict[str, Any]]
        if self._arrays:
            params = {"consumers": consumers, "ids": ids, "now": now}
        else:
            params = [
                {"consumer": name, "event_id": event_id, "processed_at": now}
                for name, event_id in zip(consumers, ids, strict=True)
            ]
        fresh: set[Any] = set()
        for name, event_id in await session.execute(self._record, params):
            if name == self.config.name:
                fresh.add(event_id)
            else:
                self._claimed.setdefault(event_id, set()).add(name)
        return fresh

    def _names(self, event_type: str) -> tuple[str, ...]:
        """The records an event of `event_type` takes: this consumer's, then its parts'."""
        names = (self.config.name, *(p.record for p in self.parts if event_type in p.handlers))
        self._records_of[event_type] = names
        return names

    def _parted_handlers(self) -> dict[str, Handler]:
        """{event type -> its parts in order, each only if its record was claimed}."""

        def handler_for(event_type: str) -> Handler:
            mine = [
                (p.record, p.handlers[event_type]) for p in self.parts if event_type in p.handlers
            ]

            async def handle(session: AsyncSession, event: Envelope) -> None:
                claimed = self._claimed.pop(event.id, set())
                first = True
                for record, part in mine:
                    if record not in claimed:
                        continue  # done before: by an old group, or by this one on a redelivery
                    if not first:
                        # Each part reads what it needs afresh, as in a transaction of its own
                        # (a Core UPDATE by the one before is not in the ORM's copies).
                        await session.flush()
                        session.expunge_all()
                    first = False
                    await part(session, event)

            return handle

        types = {event_type for p in self.parts for event_type in p.handlers}
        return {event_type: handler_for(event_type) for event_type in sorted(types)}

    async def _handle_with_retries(
        self, record: IncomingRecord, envelope: Envelope, handler: Handler
    ) -> None:
        with self._logged(envelope):
            await self._handle_alone(record, envelope, handler)

    async def _handle_alone(
        self, record: IncomingRecord, envelope: Envelope, handler: Handler
    ) -> None:
        attempt = 0
        outage_backoff = self.config.retry_base_seconds or 0.1
        outage_started: float | None = None
        while True:
            started = time.perf_counter()
            try:
                outcome = await self._handle_once(envelope, handler)
            except Exception as exc:
                if is_outage(exc):
                    # The database (or the network to it) is down, starting or shutting down:
                    # not this event's fault, and never a reason to dead-letter it. A commit
                    # that failed this way may have committed: the retry finds it recorded.
                    self.metrics.outage_retries.labels(self.config.name).inc()
                    self.metrics.dependency_up.labels("database").set(0)
                    log.warning("database unavailable while handling, waiting: %s", exc)
                    now = time.monotonic()
                    outage_started = outage_started if outage_started is not None else now
                    if self._stopping.is_set() or now - outage_started > OUTAGE_HOLD_SECONDS:
                        raise _InfrastructureDown() from exc
                    await self._pause(outage_backoff)
                    outage_backoff = min(outage_backoff * 2, OUTAGE_BACKOFF_MAX)
                    continue
                attempt += 1
                self.metrics.events_consumed.labels(
                    self.config.name, type_label(envelope.type), "error"
                ).inc()
                if attempt >= self.config.max_attempts:
                    log.error("handler failed %d times, dead-lettering", attempt, exc_info=exc)
                    await self._dead_letter(record, "".join(traceback.format_exception(exc)))
                    return
                delay = self.config.retry_base_seconds * 2 ** (attempt - 1)
                log.warning(
                    "handler failed (attempt %d), retrying in %.2fs: %s", attempt, delay, exc
                )
                await asyncio.sleep(delay)
                continue
            self.metrics.dependency_up.labels("database").set(1)
            self.metrics.handler_latency.labels(self.config.name).observe(
                time.perf_counter() - started
            )
            self.metrics.events_consumed.labels(
                self.config.name, type_label(envelope.type), outcome
            ).inc()
            self.metrics.consumer_lag_seconds.labels(self.config.name).set(
                (datetime.now(UTC) - envelope.time).total_seconds()
            )
            crash_point(self.config.fault_crash_at, f"{self.config.name}.after_commit")
            return

    async def _handle_once(self, envelope: Envelope, handler: Handler) -> str:
        try:
            async with self.database.transaction() as session:
                if not await self._record_ids(session, [envelope]):
                    return "duplicate"
                await handler(session, envelope)
            return "handled"
        finally:
            self._claimed.pop(envelope.id, None)  # rolled back: claimed again on the retry

    async def _dead_letter(self, record: IncomingRecord, error: str) -> None:
        headers = (
            *record.headers,
            ("error", _shortened_sql(error)[-4000:].encode()),
            ("consumer", self.config.name.encode()),
            ("original", f"{record.topic}/{record.partition}/{record.offset}".encode()),
        )
        await self.bus.publish(
            [OutgoingRecord(self.config.dead_letter_topic, record.key or "", record.value, headers)]
        )
        # Counted once parked: the alert and an operator reading it find it in the topic.
        self.metrics.dead_lettered.labels(self.config.name).inc()


def _record_statement(processed: Table, dialect: str) -> Insert:
    """Built once: the processed-events records, returning those that were not there.

    On PostgreSQL the rows come as two arrays (`consumers`, `ids`) and one `now`, unnested
    into an INSERT … SELECT: one statement text whatever the batch size, so one compile and
    one prepared statement, where a multi-row VALUES was a text (a parse and a plan) per
    size. SQLite has no arrays: there it is a multi-row VALUES of the rows given."""
    if dialect == "postgresql":
        rows = (
            func.unnest(
                bindparam("consumers", type_=postgresql.ARRAY(processed.c.consumer.type)),
                bindparam("ids", type_=postgresql.ARRAY(processed.c.event_id.type)),
            )
            .table_valued("consumer", "event_id")
            .render_derived("given")
        )
        now = bindparam("now", type_=processed.c.processed_at.type)
        insert: postgresql.Insert | sqlite.Insert = postgresql.insert(processed).from_select(
            ["consumer", "event_id", "processed_at"], select(rows.c.consumer, rows.c.event_id, now)
        )
    else:
        insert = sqlite.insert(processed)
    return insert.on_conflict_do_nothing().returning(processed.c.consumer, processed.c.event_id)


def _declared_type(record: IncomingRecord) -> str | None:
    """The event's type as its "type" header names it (the outbox relay sets it on every
    event, shared/messaging/relay.py), or None. Every service reads the one topic and takes
    a few of its types: the rest are skipped without parsing their envelopes."""
    for key, value in record.headers:
        if key == "type":
            return value.decode("utf-8", "replace")
    return None


# SQLAlchemy's "[SQL: <statement>]" in an error, up to the line after it (its parameters'
# line or its "Background" link): a statement of several data-modifying CTEs runs to
# thousands of characters, and the header keeps the error's last 4,000.
_SQL = re.compile(r"\[SQL: (.{0,200}).*?\]\n(?=\[SQL parameters|\[parameters|\(Background)", re.S)


def _shortened_sql(trace: str) -> str:
    """The traceback with each failed statement cut to its first 200 characters, so that the
    error itself, above it, fits in the dead letter's header."""
    return _SQL.sub(lambda m: f"[SQL: {m.group(1)}…]\n", trace)
