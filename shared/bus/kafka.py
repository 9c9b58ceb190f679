"""The Kafka bus (aiokafka), set up against the defaults that lose work.

Producer: idempotent, acks=all, records keyed by case id so one case stays in one partition.
Consumers: auto-commit off; the caller commits offset+1 per partition after its transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    CommitFailedError,
    IllegalStateError,
    KafkaError,
    OutOfOrderSequenceNumber,
    TopicAlreadyExistsError,
)

from shared.bus.base import IncomingRecord, OutgoingRecord

log = logging.getLogger(__name__)
PUBLISH_TIMEOUT = 20.0  # a broker that does not acknowledge by then is treated as down
CLOSE_TIMEOUT = 10.0  # closing never waits longer for a broker that is gone
# The idempotent producer's start retries its producer-id request for as long as the broker
# is gone; the relay must fail (and count it, and back off) rather than wait on it for ever.
START_TIMEOUT = 10.0
TAKEOVER_ATTEMPTS = 5  # reading the replaced groups' offsets, with back-off (about 8 s in all)
# How old the client's view of the topics may get. Right after a broker restart a topic can
# be answered "leader not available"; aiokafka then drops it from its metadata, the group is
# assigned none of its partitions, and nothing asks again until this age: by default five
# minutes of cases not routed. One small metadata request every 5 s per client is the price.
METADATA_MAX_AGE_MS = 5_000


class KafkaBus:
    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str = "tiepdan",
        options: Mapping[str, Any] | None = None,
        group_instance_id: str | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.client_id = client_id
        # This replica's stable name in its consumer groups (static membership, KIP-345): a
        # replica restarted within the session timeout takes back its own partitions, and
        # the other members go on without a rebalance. None: dynamic membership.
        self.group_instance_id = group_instance_id or None
        # security_protocol, ssl_context, sasl_*: passed to every client alike
        self.options = dict(options or {})
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    def _new_producer(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers,
            client_id=self.client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=2,
            request_timeout_ms=15000,
            metadata_max_age_ms=METADATA_MAX_AGE_MS,
            **self.options,
        )

    async def start(self) -> None:
        async with self._lock:
            if self._producer is None:
                producer = self._new_producer()
                try:
                    await asyncio.wait_for(producer.start(), START_TIMEOUT)
                except BaseException:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(producer.stop(), CLOSE_TIMEOUT)
                    raise
                self._producer = producer

    async def close(self) -> None:
        async with self._lock:
            if self._producer is not None:
                producer, self._producer = self._producer, None
                try:
                    await asyncio.wait_for(producer.stop(), CLOSE_TIMEOUT)
                except Exception as exc:  # pending batches are dropped: the outbox resends
                    log.warning("producer did not close cleanly: %s", exc)

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        if self._producer is None:
            await self.start()
        producer = self._producer
        assert producer is not None
        try:
            # send() only queues; a record is delivered when its future completes.
            futures = [
                await producer.send(
                    r.topic, r.value, key=r.key.encode(), headers=list(r.headers) or None
                )
                for r in records
            ]
            await asyncio.wait_for(asyncio.gather(*futures), PUBLISH_TIMEOUT)
        except TimeoutError:
            # Not acknowledged: the rows stay unpublished and are sent again. A fresh producer
            # keeps the old one's queued batches from arriving later as extra copies.
            log.warning(
                "broker did not acknowledge within %.0fs; recreating the producer", PUBLISH_TIMEOUT
            )
            await self.close()
            raise
        except OutOfOrderSequenceNumber:
            # aiokafka issue 1017: after a short outage the idempotent producer can stay stuck.
            log.warning("idempotent producer out of sequence; recreating it")
            await self.close()
            raise

    async def subscribe(
        self, group: str, topics: Sequence[str], *, takes_over: Sequence[str] = ()
    ) -> KafkaSubscription:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            client_id=f"{self.client_id}-{group}",
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_interval_ms=300_000,
            # A killed replica's partitions go to the others after the session timeout: 6 s
            # (the broker's minimum by default) rather than aiokafka's 10 s.
            session_timeout_ms=6_000,
            heartbeat_interval_ms=2_000,
            metadata_max_age_ms=METADATA_MAX_AGE_MS,
            group_instance_id=self.group_instance_id,
            **self.options,
        )
        await consumer.start()
        listener = _TakeOver(self, consumer, group, list(takes_over)) if takes_over else None
        consumer.subscribe(list(topics), listener=listener)
        return KafkaSubscription(consumer, group)

    async def committed_offsets(
        self, group: str, partitions: Sequence[TopicPartition]
    ) -> dict[TopicPartition, int]:
        """The offsets `group` committed for `partitions`, leaving out those it has none for."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap_servers, **self.options)
        await admin.start()
        try:
            found = await admin.list_consumer_group_offsets(group, partitions=list(partitions))
        finally:
            await admin.close()
        return {tp: meta.offset for tp, meta in found.items() if meta.offset >= 0}

    async def ping(self) -> None:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap_servers, request_timeout_ms=3000, **self.options
        )
        await admin.start()
        try:
            await admin.describe_cluster()
        finally:
            await admin.close()

    async def ensure_topics(
        self, topics: Mapping[str, int], *, replication_factor: int
    ) -> list[str]:
        """Create missing topics with their partition counts; return the names created."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap_servers, **self.options)
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            wanted = [
                NewTopic(name, num_partitions=partitions, replication_factor=replication_factor)
                for name, partitions in topics.items()
                if name not in existing
            ]
            if wanted:
                with contextlib.suppress(TopicAlreadyExistsError):
                    await admin.create_topics(wanted)
            return [t.name for t in wanted]
        finally:
            await admin.close()


class _TakeOver(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka has no types
    """A partition handed to `group` that it has never committed starts where the slowest of
    the groups it replaces stopped: nothing one of them had not yet handled is skipped."""

    def __init__(
        self, bus: KafkaBus, consumer: AIOKafkaConsumer, group: str, takes_over: list[str]
    ) -> None:
        self.bus, self.consumer, self.group, self.takes_over = bus, consumer, group, takes_over

    async def on_partitions_revoked(self, revoked: Any) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Any) -> None:
        partitions = list(assigned)
        if not partitions:
            return
        # Paused before the first await: nothing is handed out from the position the consumer
        # would otherwise take (the beginning) while the offsets are looked up.
        for tp in partitions:
            self.consumer.pause(tp)
        try:
            for attempt in range(TAKEOVER_ATTEMPTS):
                try:
                    own = await self.bus.committed_offsets(self.group, partitions)
                    new = [tp for tp in partitions if tp not in own]
                    theirs = [await self.bus.committed_offsets(g, new) for g in self.takes_over]
                    break
                except KafkaError as exc:
                    log.warning(
                        "group %s cannot read the offsets it takes over: %s", self.group, exc
                    )
                    if attempt + 1 == TAKEOVER_ATTEMPTS:
                        raise
                    await asyncio.sleep(0.5 * 2**attempt)
            for tp in new:
                offsets = [committed.get(tp) for committed in theirs]
                if any(offset is None for offset in offsets):
                    continue  # one of them never read it: from the beginning (auto_offset_reset)
                start = min(o for o in offsets if o is not None)
                log.info("group %s starts %s at %d (taken over from %s)", self.group, tp, start,
                         ", ".join(self.takes_over))  # fmt: skip
                self.consumer.seek(tp, start)
        finally:
            # Look-ups that kept failing leave the positions to the consumer: its own commits,
            # or the beginning, read again and skipped by the handlers' records (slow, correct).
            for tp in partitions:
                if tp in self.consumer.assignment():
                    self.consumer.resume(tp)


class KafkaSubscription:
    def __init__(self, consumer: AIOKafkaConsumer, group: str) -> None:
        self.consumer = consumer
        self.group = group

    async def fetch(self, timeout: float, max_records: int) -> list[IncomingRecord]:
        batches = await self.consumer.getmany(
            timeout_ms=int(timeout * 1000), max_records=max_records
        )
        return [
            IncomingRecord(
                tp.topic,
                tp.partition,
                m.offset,
                m.key.decode() if m.key is not None else None,
                m.value,
                tuple((k, v) for k, v in (m.headers or ())),
            )
            for tp, messages in batches.items()
            for m in messages
        ]

    async def caught_up(self) -> bool:
        assigned = list(self.consumer.assignment())
        if not assigned:
            return False  # the group has not handed this member its partitions yet
        ends = await self.consumer.end_offsets(assigned)
        for tp in assigned:
            if await self.consumer.position(tp) < ends[tp]:
                return False
        return True

    async def commit(self, next_offsets: Mapping[tuple[str, int], int]) -> bool:
        if not next_offsets:
            return True
        try:
            await self.consumer.commit(
                {TopicPartition(t, p): offset for (t, p), offset in next_offsets.items()}
            )
        except (CommitFailedError, IllegalStateError) as exc:
            # A rebalance took the partition away: another member will be handed these records.
            log.warning("offset commit refused, records will be redelivered: %s", exc)
            return False
        except KafkaError as exc:
            log.warning("offset commit failed, records will be redelivered: %s", exc)
            return False
        return True

    async def rewind(self, topic: str, partition: int, offset: int) -> None:
        tp = TopicPartition(topic, partition)
        if tp in self.consumer.assignment():
            self.consumer.seek(tp, offset)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.consumer.stop(), CLOSE_TIMEOUT)
        except Exception as exc:
            log.warning("consumer did not close cleanly: %s", exc)
