"""The outbox announces only what was committed; consumers give each event one effect, in order."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalog import SERVICES
from shared.bus.base import OutgoingRecord
from shared.events import CASE_SUBMITTED, CaseSubmitted, Envelope, Location, new_event
from shared.messaging.consumer import ConsumerConfig, EventConsumer
from shared.messaging.outbox import Outbox
from tests.conftest import StackFactory
from tests.support.stack import Stack, wait_until
from tests.support.topic import all_events


def _submitted(tracking_code: str = "AAAAA-BBBBB") -> Envelope:
    return new_event(
        CASE_SUBMITTED,
        source="test",
        case_id=uuid.uuid4(),
        data=CaseSubmitted(
            tracking_code=tracking_code,
            kind="feedback",
            title="Cây đổ",
            description="Cây đổ.",
            location=Location(unit_code="06427"),
            channel="web",
            submitted_at=datetime.now(UTC),
            anonymous=True,
        ),
    )


async def test_nothing_is_published_for_a_transaction_that_rolled_back(stack: Stack) -> None:
    outbox: Outbox = stack.kernel("intake").outbox
    ghost = _submitted()
    try:
        async with stack.database("intake").transaction() as session:
            await outbox.add(session, ghost)
            raise RuntimeError("the request failed after queuing its event")
    except RuntimeError:
        pass
    created = await stack.submit()
    await stack.wait_routed(created["tracking_code"])

    published = {e.id for e in await all_events(stack)}
    assert ghost.id not in published
    assert uuid.UUID(created["id"]) in {e.case_id for e in await all_events(stack)}
    assert await stack.scalar("intake", "SELECT count(*) FROM outbox") == 1


async def test_every_committed_event_is_published_and_marked_whatever_the_batch_size(
    stack_factory: StackFactory,
) -> None:
    async with stack_factory(services=("routing",)) as stack:
        marks: set[str] = set()

        def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            if statement.startswith("UPDATE outbox SET published_at"):
                marks.add(statement)

        database = stack.database("routing")
        event.listen(database.engine.sync_engine, "before_cursor_execute", seen)
        outbox: Outbox = stack.kernel("routing").outbox
        added: list[Envelope] = []
        for size in (1, 3, 2):
            events = [
                Envelope(
                    id=uuid.uuid4(),
                    type="test.noted",  # no consumer's: the outbox holds only these
                    source="test",
                    time=datetime.now(UTC),
                    case_id=uuid.uuid4(),
                    data={},
                )
                for _ in range(size)
            ]
            async with database.transaction() as session:
                await outbox.add(session, *events)
            added += events

            async def marked(expected: int = len(added)) -> bool:
                sql = "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL"
                return await stack.scalar("routing", sql) == expected

            await wait_until(marked, what=f"the {len(added)} events marked published")
        published = {e.id for e in await all_events(stack)}
        assert {e.id for e in added} <= published
        if stack.mode == "production":
            # One text for every batch size: one compile, one prepared statement (issue 14).
            assert len(marks) == 1, marks


async def test_the_same_event_delivered_twice_has_one_effect(stack_factory: StackFactory) -> None:
    async with stack_factory(services=("routing",)) as stack:
        event = _submitted()
        record = OutgoingRecord(
            stack.settings["routing"].kafka_topic, str(event.case_id), event.to_bytes()
        )
        bus = stack.kernel("routing").bus
        await bus.publish([record])
        await bus.publish([record])  # a redelivery: the relay crashed before marking it sent

        async def both_seen() -> bool:
            consumed = await stack.count("routing", "processed_events", event_id=event.id)
            return consumed == 1 and await _duplicates_counted(stack) >= 1

        await wait_until(both_seen, what="the event handled once and its copy dropped")
        assert await stack.scalar("routing", "SELECT count(*) FROM cases") == 1
        assert await stack.scalar("routing", "SELECT count(*) FROM case_history") == 1
        assert await stack.scalar("routing", "SELECT count(*) FROM outbox") == 1


async def _duplicates_counted(stack: Stack) -> float:
    metric = stack.kernel("routing").metrics.events_consumed
    total = 0.0
    for family in metric.collect():
        for sample in family.samples:
            if sample.name.endswith("_total") and sample.labels["outcome"] == "duplicate":
                total += sample.value
    return total


async def test_events_of_one_case_are_handled_in_order(stack_factory: StackFactory) -> None:
    async with stack_factory(services=("routing",)) as stack:
        settings = stack.settings["routing"]
        cases = [uuid.uuid4() for _ in range(6)]
        handled: list[tuple[uuid.UUID, int]] = []

        async def record(_: AsyncSession, event: Envelope) -> None:
            handled.append((event.case_id, int(event.data["seq"])))

        events = [
            Envelope(
                id=uuid.uuid4(),
                type="test.step",
                source="test",
                time=datetime.now(UTC),
                case_id=case_id,
                data={"seq": seq},
            )
            for seq in range(10)
            for case_id in cases  # interleaved across cases
        ]
        bus = stack.kernel("routing").bus
        await bus.publish(
            [OutgoingRecord(settings.kafka_topic, str(e.case_id), e.to_bytes()) for e in events]
        )
        consumer = EventConsumer(
            ConsumerConfig(
                name=f"{settings.kafka_group_prefix}test.order",
                topic=settings.kafka_topic,
                dead_letter_topic=settings.kafka_dead_letter_topic,
            ),
            database=stack.database("routing"),
            processed=SERVICES["routing"].definition.messaging.processed,
            handlers={"test.step": record},
            bus=bus,
            metrics=stack.kernel("routing").metrics,
        )
        task = asyncio.create_task(consumer.run())
        try:
            await wait_until(lambda: _done(handled, len(events)), what="all 60 events handled")
        finally:
            consumer.stop()
            await task
        for case_id in cases:
            assert [seq for c, seq in handled if c == case_id] == list(range(10))


async def _done(handled: list[tuple[uuid.UUID, int]], expected: int) -> bool:
    return len(handled) >= expected
