"""Read back everything on the case-events topic, whichever bus the stack runs on."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import select

from shared.bus.embedded import EmbeddedBus, log_table
from shared.events import Envelope
from tests.support.stack import Stack, kernel_of


async def all_events(stack: Stack, topic: str | None = None) -> list[Envelope]:
    return [Envelope.from_bytes(value) for value in await raw_values(stack, topic)]


async def raw_values(stack: Stack, topic: str | None = None) -> list[bytes]:
    """Every record's value on `topic` (the events' topic by default), as it was written."""
    settings = stack.settings["intake"]
    topic = topic or settings.kafka_topic
    bus = kernel_of(next(iter(stack.apps.values()))).bus
    if isinstance(bus, EmbeddedBus):
        async with bus.db.sessions() as session:
            rows = await session.execute(
                select(log_table.c.value)
                .where(log_table.c.topic == topic)
                .order_by(log_table.c.position)
            )
            return [bytes(value) for (value,) in rows]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        numbers = consumer.partitions_for_topic(topic) or await _partitions(consumer, topic)
        partitions = [TopicPartition(topic, p) for p in sorted(numbers)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        values: list[bytes] = []
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            batch = await consumer.getmany(timeout_ms=500)
            values += [m.value for msgs in batch.values() for m in msgs]
        return values
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()
