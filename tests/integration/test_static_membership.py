"""A replica that dies and comes back takes its partitions back without a rebalance.

With dynamic membership a killed replica's consumer stays in its group until its session
times out (6 s), the group rebalances, and rebalances again when the restarted replica joins:
every member stops consuming twice. With a stable instance id per replica
(`TIEPDAN_KAFKA_GROUP_INSTANCE_ID`, KIP-345) the restarted replica is recognised, handed the
partitions it had, and the other members are not disturbed (issue 15: caught up after a
fault). A consumer closed without leaving the group is what a SIGKILL leaves behind: aiokafka
sends no LeaveGroup for a static member.
"""

from __future__ import annotations

import time
import uuid

import pytest

from shared.bus.kafka import KafkaBus, KafkaSubscription
from tests.support.stack import wait_until

pytestmark = pytest.mark.integration

SESSION_TIMEOUT_S = 6.0  # shared/bus/kafka.py's consumers


async def _assigned(subscription: KafkaSubscription) -> set[int] | None:
    await subscription.fetch(timeout=0.2, max_records=10)  # drives the group protocol
    return {tp.partition for tp in subscription.consumer.assignment()} or None


async def test_a_restarted_replica_takes_back_its_partitions_without_a_rebalance(
    kafka_bootstrap: str,
) -> None:
    topic, group = f"tiepdan.static-{uuid.uuid4().hex[:10]}", f"static-{uuid.uuid4().hex[:8]}"
    admin = KafkaBus(kafka_bootstrap)
    await admin.ensure_topics({topic: 4}, replication_factor=1)
    first = KafkaBus(kafka_bootstrap, group_instance_id="replica-0")
    second = KafkaBus(kafka_bootstrap, group_instance_id="replica-1")
    a = await first.subscribe(group, [topic])
    b = await second.subscribe(group, [topic])
    try:

        async def split() -> tuple[set[int], set[int]] | None:
            """The group settled: both members in the same generation, owning the four
            partitions between them (mid-rebalance one can still hold its old share)."""
            got_a, got_b = await _assigned(a), await _assigned(b)
            settled = a.consumer._coordinator.generation == b.consumer._coordinator.generation
            if settled and got_a and got_b and got_a.isdisjoint(got_b) and len(got_a | got_b) == 4:
                return got_a, got_b
            return None

        owned_a, owned_b = await wait_until(split, what="the four partitions shared", within=60)
        generation = b.consumer._coordinator.generation  # the group's rebalance counter

        await a.close()  # replica-0 dies: a static member sends no LeaveGroup
        restarted = await KafkaBus(kafka_bootstrap, group_instance_id="replica-0").subscribe(
            group, [topic]
        )
        began = time.monotonic()
        try:
            got = await wait_until(
                lambda: _assigned(restarted), what="replica-0's partitions back", within=30
            )
            took = time.monotonic() - began
            assert got == owned_a  # its own partitions, not a new share
            # Before the dead member's session would even have expired: no wait, no rebalance.
            assert took < SESSION_TIMEOUT_S, took
            assert await _assigned(b) == owned_b
            assert b.consumer._coordinator.generation == generation  # the other never paused
        finally:
            await restarted.close()
    finally:
        await b.close()
        for bus in (first, second, admin):
            await bus.close()
