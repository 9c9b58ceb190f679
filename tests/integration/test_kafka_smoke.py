"""Smoke test: aiokafka against the real Kafka broker the project provisions.

Proves the client features the bus relies on work with this broker version:
topic creation with a partition count, an idempotent ``acks="all"`` producer,
consumer groups with auto-commit off and manual commits, a rebalance when a
second member joins, and resumption from committed offsets without
re-delivery.

Needs ``TIEPDAN_KAFKA_BOOTSTRAP_SERVERS``; ``eval "$(scripts/test-infra.sh up)"``
provides it (``TIEPDAN_SKIP_INTEGRATION=1`` skips these tests instead).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

pytestmark = pytest.mark.integration

PARTITIONS = 3
WAIT_S = 30.0  # upper bound for any single wait-for-condition below


@pytest.fixture(scope="module")
def bootstrap(kafka_bootstrap: str) -> str:
    return kafka_bootstrap  # tests/conftest.py: fails naming the opt-out when unprovisioned


@pytest.fixture
async def topic(bootstrap: str) -> AsyncIterator[str]:
    name = f"tiepdan-smoke-{uuid.uuid4().hex[:12]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(name, num_partitions=PARTITIONS, replication_factor=1)]
        )
        errors = [(t[0], t[1], t[2]) for t in response.topic_errors if t[1] != 0]
        assert not errors, f"create_topics failed: {errors}"
        yield name
        await admin.delete_topics([name])
    finally:
        await admin.close()


def group_name() -> str:
    return f"tiepdan-smoke-{uuid.uuid4().hex[:12]}"


def make_consumer(bootstrap: str, topic: str, group: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        # Short heartbeats so that a rebalance is noticed within a second.
        heartbeat_interval_ms=300,
        session_timeout_ms=10_000,
    )


async def produce(bootstrap: str, topic: str, values: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Send keyed records idempotently; return value -> (partition, offset) as acknowledged."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        values = list(values)
        futures = [
            await producer.send(topic, key=v.split("-")[-1].encode(), value=v.encode())
            for v in values
        ]
        metadata = await asyncio.gather(*futures)  # send() only queues; this is delivery
        return {v: (m.partition, m.offset) for v, m in zip(values, metadata, strict=True)}
    finally:
        await producer.stop()


def batch(prefix: str, n: int) -> list[str]:
    # Keys k0..k(n-1) spread the records over the partitions.
    return [f"{prefix}-k{i}" for i in range(n)]


async def poll_until(
    consumers: list[AIOKafkaConsumer],
    done: Callable[[dict[int, list[ConsumerRecord]]], bool],
    what: str,
    timeout: float = WAIT_S,
) -> dict[int, list[ConsumerRecord]]:
    """Poll every consumer (keeps them in the group) until done(received) holds.

    received maps the consumer's index to the records it got, in order.
    """
    received: dict[int, list[ConsumerRecord]] = {i: [] for i in range(len(consumers))}
    deadline = time.monotonic() + timeout
    while not done(received):
        if time.monotonic() > deadline:
            got = {i: [r.value for r in rs] for i, rs in received.items()}
            assignments = [sorted(tp.partition for tp in c.assignment()) for c in consumers]
            pytest.fail(f"timed out waiting for {what}; received {got}; assignments {assignments}")
        results = await asyncio.gather(*(c.getmany(timeout_ms=200) for c in consumers))
        for i, by_tp in enumerate(results):
            for records in by_tp.values():
                received[i].extend(records)
    return received


async def commit_processed(consumer: AIOKafkaConsumer, records: list[ConsumerRecord]) -> None:
    """Commit offset + 1 of the last processed record per partition, as the bus will."""
    offsets: dict[TopicPartition, int] = {}
    for r in records:
        tp = TopicPartition(r.topic, r.partition)
        offsets[tp] = max(offsets.get(tp, 0), r.offset + 1)
    if offsets:
        await consumer.commit(offsets)


def values_of(records: Iterable[ConsumerRecord]) -> list[str]:
    return [r.value.decode() for r in records]


async def test_idempotent_produce_group_consume_manual_commit(bootstrap: str, topic: str) -> None:
    first = batch("first", 30)
    acked = await produce(bootstrap, topic, first)
    assert {p for p, _ in acked.values()} == set(range(PARTITIONS)), (
        "keys should hit all partitions"
    )

    group = group_name()
    consumer = make_consumer(bootstrap, topic, group)
    await consumer.start()
    try:
        got = await poll_until([consumer], lambda r: len(r[0]) >= len(first), "the first batch")
        assert sorted(values_of(got[0])) == sorted(first)  # each exactly once
        # Each partition delivers in offset order, at the offsets the producer got acked.
        for p in range(PARTITIONS):
            in_p = [r for r in got[0] if r.partition == p]
            assert [r.offset for r in in_p] == sorted(acked[v][1] for v in values_of(in_p))
        await commit_processed(consumer, got[0])

        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        ends = await consumer.end_offsets(tps)
        assert sum(ends.values()) == len(first), "idempotent producer wrote duplicates"
        for tp in tps:
            assert await consumer.committed(tp) == ends[tp]
    finally:
        await consumer.stop()

    # A fresh member of the same group starts at the committed offsets.
    second = batch("second", 6)
    resumed = make_consumer(bootstrap, topic, group)
    await resumed.start()
    try:
        await produce(bootstrap, topic, second)
        got = await poll_until([resumed], lambda r: len(r[0]) >= len(second), "the second batch")
        assert sorted(values_of(got[0])) == sorted(second), "committed records were re-delivered"
    finally:
        await resumed.stop()


async def test_rebalance_splits_partitions_and_resumes_from_commits(
    bootstrap: str, topic: str
) -> None:
    group = group_name()
    all_partitions = set(range(PARTITIONS))

    def partitions(c: AIOKafkaConsumer) -> set[int]:
        return {tp.partition for tp in c.assignment()}

    a = make_consumer(bootstrap, topic, group)
    b = make_consumer(bootstrap, topic, group)
    await a.start()
    try:
        # Alone in the group, `a` owns every partition and reads batch one.
        one = batch("one", 30)
        await produce(bootstrap, topic, one)
        got = await poll_until(
            [a], lambda r: len(r[0]) >= len(one) and partitions(a) == all_partitions, "batch one"
        )
        assert sorted(values_of(got[0])) == sorted(one)
        await commit_processed(a, got[0])

        # `b` joins: the group rebalances and the partitions are split.
        await b.start()

        def split(_: dict[int, list[ConsumerRecord]]) -> bool:
            pa, pb = partitions(a), partitions(b)
            return bool(pa) and bool(pb) and not (pa & pb) and (pa | pb) == all_partitions

        during = await poll_until([a, b], split, "the partitions to be split between a and b")
        assert not during[0] and not during[1], "committed records were re-delivered on rebalance"
        pa, pb = partitions(a), partitions(b)

        # Batch two goes to whichever member owns each record's partition.
        two = batch("two", 30)
        acked = await produce(bootstrap, topic, two)
        got = await poll_until([a, b], lambda r: len(r[0]) + len(r[1]) >= len(two), "batch two")
        assert sorted(values_of(got[0]) + values_of(got[1])) == sorted(two)
        assert {acked[v][0] for v in values_of(got[0])} <= pa
        assert {acked[v][0] for v in values_of(got[1])} <= pb
        assert got[0] and got[1], "both members should have received records"
        await commit_processed(a, got[0])
        await commit_processed(b, got[1])
    finally:
        await b.stop()
        await a.stop()

    # Everyone left; a new member resumes exactly after the committed records.
    c = make_consumer(bootstrap, topic, group)
    await c.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        ends = await c.end_offsets(tps)
        for tp in tps:
            assert await c.committed(tp) == ends[tp]
        three = batch("three", 9)
        await produce(bootstrap, topic, three)
        got = await poll_until(
            [c],
            lambda r: len(r[0]) >= len(three) and partitions(c) == all_partitions,
            "batch three",
        )
        assert sorted(values_of(got[0])) == sorted(three), "committed records were re-delivered"
        ends = await c.end_offsets(tps)
        assert {tp: await c.position(tp) for tp in tps} == ends
    finally:
        await c.stop()
