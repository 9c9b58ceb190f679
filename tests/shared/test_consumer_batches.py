"""Consumers handle what one fetch returns in one transaction, and still isolate a poison event.

The effects are rows the handlers write in the consumer's own transaction, so what a failed
batch did is rolled back and what is counted here is what was committed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalog import SERVICES
from shared.bus.base import OutgoingRecord
from shared.events import Envelope
from shared.messaging.consumer import ConsumerConfig, EventConsumer
from tests.conftest import StackFactory
from tests.support.stack import Stack, wait_until
from tests.support.topic import all_events, raw_values

ONE_CASE = uuid.uuid4()  # one key: one partition, so one fetch can hold them all


def _step(seq: int, *, poison: bool = False) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type="test.effect",
        source="test",
        time=datetime.now(UTC),
        case_id=ONE_CASE,
        data={"seq": seq, "poison": poison},
    )


async def _effect(session: AsyncSession, event: Envelope) -> None:
    postgres = session.get_bind().dialect.name == "postgresql"
    txid = "txid_current()" if postgres else "0"
    await session.execute(
        text(f"INSERT INTO test_effects (seq, event_id, txid) VALUES (:seq, :id, {txid})"),
        {"seq": event.data["seq"], "id": str(event.id)},
    )
    if event.data["poison"]:
        raise ValueError("this event can never be handled")


@asynccontextmanager
async def _consuming(stack: Stack) -> AsyncIterator[None]:
    settings = stack.settings["routing"]
    async with stack.database("routing").transaction() as session:
        await session.execute(
            text("CREATE TABLE test_effects (seq integer, event_id varchar(36), txid bigint)")
        )
    consumer = EventConsumer(
        ConsumerConfig(
            name=f"{settings.kafka_group_prefix}test.batches",
            topic=settings.kafka_topic,
            dead_letter_topic=settings.kafka_dead_letter_topic,
            max_attempts=2,
            retry_base_seconds=0.01,
        ),
        database=stack.database("routing"),
        processed=SERVICES["routing"].definition.messaging.processed,
        handlers={"test.effect": _effect},
        bus=stack.kernel("routing").bus,
        metrics=stack.kernel("routing").metrics,
    )
    task = asyncio.create_task(consumer.run())
    try:
        yield
    finally:
        consumer.stop()
        await task


async def _publish(stack: Stack, events: list[Envelope]) -> None:
    topic = stack.settings["routing"].kafka_topic
    await stack.kernel("routing").bus.publish(
        [OutgoingRecord(topic, str(e.case_id), e.to_bytes()) for e in events]
    )


def _recorded(stack: Stack, expected: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        name = f"{stack.settings['routing'].kafka_group_prefix}test.batches"
        sql = "SELECT count(*) FROM processed_events WHERE consumer = :name"
        count = await stack.scalar("routing", sql, name=name)
        return int(count or 0) >= expected

    return check


async def test_a_poison_event_is_parked_alone_and_its_batch_mates_take_effect_once(
    stack_factory: StackFactory,
) -> None:
    async with stack_factory(services=("routing",)) as stack:
        events = [_step(seq, poison=seq == 7) for seq in range(20)]
        await _publish(stack, events)
        async with _consuming(stack):
            await wait_until(_recorded(stack, 19), what="the 19 good events recorded")
            dlq = stack.settings["routing"].kafka_dead_letter_topic
            parked = await wait_until(
                lambda: _nonempty(all_events(stack, dlq)), what="the poison event parked"
            )
        rows = await _rows(stack, "SELECT seq FROM test_effects ORDER BY seq")
        assert [r[0] for r in rows] == [s for s in range(20) if s != 7]  # each once, 7 never
        assert [e.id for e in parked] == [events[7].id]


async def test_events_fetched_together_are_handled_in_one_transaction(
    stack_factory: StackFactory,
) -> None:
    async with stack_factory(services=("routing",)) as stack:
        events = [_step(seq) for seq in range(30)]
        await _publish(stack, events)
        async with _consuming(stack):
            await wait_until(_recorded(stack, 30), what="the 30 events recorded")
        rows = await _rows(stack, "SELECT seq, txid FROM test_effects ORDER BY seq")
        assert [r[0] for r in rows] == list(range(30))
        if stack.mode == "production":  # PostgreSQL names its transactions; SQLite does not
            assert len({r[1] for r in rows}) < 30, "every event paid a transaction of its own"


async def test_events_seen_before_or_twice_in_a_fetch_take_effect_once_whatever_the_batch_size(
    stack_factory: StackFactory,
) -> None:
    async with stack_factory(services=("routing",)) as stack:
        texts = _statements_into(stack, "processed_events")
        first = [_step(seq) for seq in range(5)]
        again = [*first[:3], _step(5), _step(6)]
        async with _consuming(stack):
            await _publish(stack, first)
            await wait_until(_recorded(stack, 5), what="the first 5 events recorded")
            await _publish(stack, [*again, again[-1]])  # three redelivered, one new one twice
            await wait_until(_recorded(stack, 7), what="the 2 new events recorded")
            await _publish(stack, [_step(7)])  # and a fetch of one
            await wait_until(_recorded(stack, 8), what="the last event recorded")
        rows = await _rows(stack, "SELECT seq FROM test_effects ORDER BY seq")
        assert [r[0] for r in rows] == list(range(8))
        if stack.mode == "production":
            # One text for every batch size: one compile, one prepared statement (issue 14).
            assert len(texts) == 1, texts


async def test_an_event_whose_header_names_a_type_not_taken_is_skipped_unread(
    stack_factory: StackFactory,
) -> None:
    # Every service reads the one topic and takes a few of its types; the relay names each
    # event's type in a header, so the others are not even parsed. A record whose body is
    # not an event is dead-lettered by each consumer that takes its type, or cannot tell it.
    async with stack_factory(services=("routing",)) as stack:
        topic = stack.settings["routing"].kafka_topic
        key = str(ONE_CASE)
        theirs, ours, unnamed = b"{not an event: theirs", b"{not an event: ours", b"{unnamed"
        await stack.kernel("routing").bus.publish(
            [
                OutgoingRecord(topic, key, theirs, (("type", b"case.someone_elses"),)),
                OutgoingRecord(topic, key, ours, (("type", b"test.effect"),)),
                OutgoingRecord(topic, key, unnamed),
                OutgoingRecord(topic, key, _step(1).to_bytes(), (("type", b"test.effect"),)),
            ]
        )
        dlq = stack.settings["routing"].kafka_dead_letter_topic

        async def parked(count: int) -> list[bytes] | None:
            values = await raw_values(stack, dlq)
            return values if len(values) >= count else None

        async with _consuming(stack):
            await wait_until(_recorded(stack, 1), what="the one good event recorded")
            # This test's consumer parks "ours" and "unnamed"; routing's own, which reads
            # the same topic, takes neither type and parks only "unnamed".
            await wait_until(lambda: parked(3), what="the three garbled records parked")
        assert sorted(await raw_values(stack, dlq)) == sorted([ours, unnamed, unnamed])


def _statements_into(stack: Stack, table: str) -> set[str]:
    """The distinct texts of the statements routing's engine sends that write `table`."""
    texts: set[str] = set()

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if f"INSERT INTO {table} " in statement:
            texts.add(statement)

    event.listen(stack.database("routing").engine.sync_engine, "before_cursor_execute", seen)
    return texts


async def _nonempty(pending: Awaitable[list[Envelope]]) -> list[Envelope] | None:
    found = await pending
    return found or None


async def _rows(stack: Stack, sql: str) -> list[tuple[int, ...]]:
    async with stack.database("routing").sessions() as session:
        return [tuple(r) for r in await session.execute(text(sql))]
