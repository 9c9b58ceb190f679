"""A consumer whose topic is missing from the broker's metadata picks it up once it is there.

After a broker restart the first metadata answers can say "leader not available" for a
topic; aiokafka then drops the topic from its metadata, the group is assigned no partition
of it, and nothing asks the broker again until the metadata's maximum age (aiokafka's
default: five minutes). A case filed during a Kafka outage then waited minutes to be routed
(CI, issue 15). A topic created after the consumer subscribed is the same situation, made
on purpose: the bus must find it within seconds, not minutes.
"""

from __future__ import annotations

import uuid

import pytest

from shared.bus.base import OutgoingRecord
from shared.bus.kafka import KafkaBus
from tests.support.stack import wait_until

pytestmark = pytest.mark.integration


async def test_a_topic_created_after_subscribing_is_consumed_within_seconds(
    kafka_bootstrap: str,
) -> None:
    bus = KafkaBus(kafka_bootstrap)
    topic = f"tiepdan.late-{uuid.uuid4().hex[:10]}"
    subscription = await bus.subscribe(f"late-{uuid.uuid4().hex[:8]}", [topic])
    try:
        # The group forms with the topic unknown: no partition is assigned.
        await subscription.fetch(timeout=1.0, max_records=10)
        assert not subscription.consumer.assignment()

        await bus.ensure_topics({topic: 3}, replication_factor=1)
        await bus.publish([OutgoingRecord(topic, key="case-1", value=b"{}")])
        received: list[bytes] = []

        async def consumed() -> bool:
            received.extend(r.value for r in await subscription.fetch(1.0, 10))
            return bool(received)

        # Well under aiokafka's default five minutes, with room for a loaded machine.
        await wait_until(consumed, what="the record on the topic created late", within=45)
        assert received == [b"{}"]
    finally:
        await subscription.close()
        await bus.close()
