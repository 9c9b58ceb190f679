"""The switch from notification's two consumer groups to one, on a running system.

The previous release ran `notification.deadlines` (clocks) and `notification.notices`
(notices) over the case events, each with its own offsets and processed-event records. When
the new release starts, one of them may have handled events the other has not yet: those
events are in flight for the slower group. The new group (`notification.cases`) must do, for
every event, each part exactly once: the part the old group did is not done again, the part
it did not is not lost. Shown on both buses, in both directions, with the previous release's
consumers as they were (their handler tables, their group names).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner
from asgi_lifespan import LifespanManager
from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification import handlers as one_table
from services.notification.app import DEFINITION
from services.notification.context import NotificationContext
from services.notification.deadlines.service import NotificationDeps
from services.notification.handlers import CLOCKS, GROUP, NOTICES
from services.notification.settings import NotifySettings
from shared.app import ServiceDefinition, create_app
from shared.bus.base import Bus, OutgoingRecord
from shared.bus.embedded import EmbeddedBus
from shared.bus.kafka import KafkaBus
from shared.db import Database
from shared.events import Envelope
from shared.messaging.consumer import DepsHandler, Handler, bind
from shared.migrations import upgrade
from shared.settings import Settings
from tests.support.stack import embedded_settings, production_settings, wait_until

# The previous release's consumers, as its app.py declared them: each group one part's table
# (through the names the new parts use, which `counting` wraps).
OLD_CONSUMERS: dict[str, Callable[[NotificationContext], Mapping[str, Handler]]] = {
    CLOCKS: lambda c: bind(one_table.CLOCK_HANDLERS, NotificationDeps(c.clocks)),
    NOTICES: lambda c: bind(one_table.NOTICE_HANDLERS, NotificationDeps(c.clocks)),
}
Runs = Counter[tuple[str, uuid.UUID]]
# tests.support.stack's topics have three partitions: the cases of each step of a test cover
# them all, so that on each the old groups' offsets differ where events are in flight.
PARTITIONS = [0, 1, 2]
QUIET = NotifySettings(workers=False)  # the consumer alone: no sweeper, no deliverer
PARTITIONER = DefaultPartitioner()


def counting(monkeypatch: pytest.MonkeyPatch) -> Runs:
    """Count each part's runs per event, old groups' and new, in transactions that committed
    (a batch rolled back and handled again one event at a time counts once). The handlers
    themselves run unchanged."""
    runs: Runs = Counter()

    def counted(
        part: str, table: Mapping[str, DepsHandler[NotificationDeps]]
    ) -> dict[str, DepsHandler[NotificationDeps]]:
        def wrap(handler: DepsHandler[NotificationDeps]) -> DepsHandler[NotificationDeps]:
            async def run(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
                await handler(session, event, deps)
                sync = session.sync_session
                if "runs" not in sync.info:
                    sync.info["runs"] = []
                    sa_event.listen(sync, "after_commit", lambda s: runs.update(s.info["runs"]))
                sync.info["runs"].append((part, event.id))

            return run

        return {event_type: wrap(handler) for event_type, handler in table.items()}

    for name, part in (("CLOCK_HANDLERS", CLOCKS), ("NOTICE_HANDLERS", NOTICES)):
        monkeypatch.setattr(one_table, name, counted(part, getattr(one_table, name)))
    return runs


def previous_release(*groups: str) -> ServiceDefinition[NotificationContext]:
    """The previous release's notification, running only `groups` of its two consumers."""
    return replace(DEFINITION, consumers={g: OLD_CONSUMERS[g] for g in groups}, takes_over={})


class World:
    """Notification alone on its bus: the test publishes what intake and routing would."""

    def __init__(self, settings: Settings, bus: Bus) -> None:
        self.settings, self.bus = settings, bus
        self.database = Database(settings.database_url_for("notification"))
        self.prefix = settings.kafka_group_prefix

    @asynccontextmanager
    async def serving(self, definition: ServiceDefinition[Any]) -> AsyncIterator[None]:
        app = create_app(definition, self.settings, bus=self.bus)
        async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30):
            yield
        # Leaving stops its consumers: what they handled is committed, offsets included.

    async def publish_cases(self, count: int) -> dict[uuid.UUID, list[Envelope]]:
        """`count` petitions, each submitted, routed and accepted: each event has a clocks
        part (receipt clocks started, then met) and a notices part (the citizen told). With
        `count` at least the partitions, every partition has one (Kafka's partitioner)."""
        cases: dict[uuid.UUID, list[Envelope]] = {}
        while len(cases) < count:
            case_id = uuid.uuid4()
            partition = PARTITIONER(str(case_id).encode(), PARTITIONS, PARTITIONS)
            if len(cases) < len(PARTITIONS) and partition != PARTITIONS[len(cases)]:
                continue
            cases[case_id] = []
        at = datetime.now(UTC) - timedelta(hours=1)
        for case_id, events in cases.items():
            events.extend(case_events(case_id, at))
        await self.bus.publish(
            [
                OutgoingRecord(self.settings.kafka_topic, str(e.case_id), e.to_bytes())
                for events in cases.values()
                for e in events
            ]
        )
        return cases

    async def recorded(self, consumer: str, events: list[Envelope]) -> dict[uuid.UUID, datetime]:
        """When `consumer` recorded each of `events` it has recorded."""
        async with self.database.sessions() as session:
            rows = await session.execute(
                text("SELECT event_id, processed_at FROM processed_events WHERE consumer = :c"),
                {"c": self.prefix + consumer},
            )
            wanted = {e.id for e in events}
            return {
                uuid.UUID(str(event_id)): _utc(at)
                for event_id, at in rows
                if uuid.UUID(str(event_id)) in wanted
            }

    async def until_recorded(self, consumer: str, events: list[Envelope]) -> None:
        async def done() -> bool:
            return len(await self.recorded(consumer, events)) == len(events)

        await wait_until(done, what=f"{consumer} recording {len(events)} events", within=60)

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.database.sessions() as session:
            return list(await session.execute(text(sql), params))


def case_events(case_id: uuid.UUID, at: datetime) -> list[Envelope]:
    code = f"PA{case_id.hex[:6].upper()}"
    common = {"tracking_code": code, "kind": "petition", "unit_code": "06427"}
    common |= {"province_code": "06", "actor": "official:an"}
    submitted = {
        "tracking_code": code,
        "kind": "petition",
        "title": "Đề nghị sửa cầu treo",
        "description": "Cầu treo xuống cấp.",
        "location": {"unit_code": "06427"},
        "channel": "web",
        "submitted_at": at.isoformat(),
        "anonymous": False,
        "contact_ref": f"c-{case_id.hex[:12]}",
        "contact_channel": "email",
        "language": "vi",
    }
    routed = common | {
        "status": "routed",
        "received_at": at.isoformat(),
        "unit_name": "UBND Xã Cai Kinh",
        "rule": "place.commune",
        "reason": "competent for the place",
    }
    accepted = common | {"status": "accepted", "accepted_on": at.date().isoformat()}
    return [
        Envelope(id=uuid.uuid4(), type=type_, source="test", time=at, case_id=case_id, data=data)
        for type_, data in (
            ("case.submitted", submitted),
            ("case.routed", routed),
            ("case.accepted", accepted),
        )
    ]


def _utc(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite through a text() query
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@asynccontextmanager
async def world(mode: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[World]:
    if mode == "embedded":
        settings = embedded_settings(tmp_path)["notification"].with_parts(QUIET)
        bus: Bus = EmbeddedBus(settings.resolved_event_log_url())
    else:
        settings = (
            await production_settings(
                request.getfixturevalue("pg_admin_url"),
                request.getfixturevalue("kafka_bootstrap"),
                tmp_path,
            )
        )["notification"].with_parts(QUIET)
        bus = KafkaBus(settings.kafka_bootstrap_servers)
    await upgrade(settings.database_url_for("notification"), DEFINITION.migrations)
    await bus.start()
    the_world = World(settings, bus)
    try:
        yield the_world
    finally:
        await the_world.database.dispose()
        await bus.close()


def once(events: list[Envelope]) -> Runs:
    return Counter({(part, e.id): 1 for e in events for part in (CLOCKS, NOTICES)})


async def each_clock_and_notice_once(w: World, cases: dict[uuid.UUID, list[Envelope]]) -> None:
    # Every clock started once: one per case, step and round, set once.
    steps: dict[uuid.UUID, list[str]] = {case_id: [] for case_id in cases}
    for case_id, step, round_, sets in await w.rows(
        "SELECT d.case_id, d.step, d.round, "
        "(SELECT count(*) FROM deadline_changes c WHERE c.deadline_id = d.id "
        " AND c.change = 'set') FROM deadlines d"
    ):
        steps[uuid.UUID(str(case_id))].append(f"{step}@{round_}")
        assert sets == 1, (case_id, step)
    expected = sorted(steps[next(iter(cases))])
    assert expected, "a petition's receipt starts clocks"
    assert {case_id: sorted(s) for case_id, s in steps.items()} == dict.fromkeys(cases, expected)
    # ... and met once, by the acceptance: the old group's, or the new one's, not both.
    met = await w.rows("SELECT deadline_id, count(*) FROM deadline_changes "
                       "WHERE change = 'met' GROUP BY deadline_id")  # fmt: skip
    assert met and all(count == 1 for _, count in met)

    # Every notice queued once: the citizen told of each of the three steps.
    told = await w.rows("SELECT case_id, dedupe_key FROM notifications WHERE audience = 'citizen'")
    by_case: dict[uuid.UUID, list[str]] = {case_id: [] for case_id in cases}
    for case_id, key in told:
        by_case[uuid.UUID(str(case_id))].append(key)
    for case_id, events in cases.items():
        keys = by_case[case_id]
        assert len(keys) == len(events) == 3, (case_id, keys)
        assert all(any(str(e.id) in key for key in keys) for e in events)


@pytest.mark.parametrize("ahead", [CLOCKS, NOTICES])
async def test_the_switch_to_one_group_does_each_part_of_each_event_once(
    mode: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    ahead: str,
) -> None:
    behind = NOTICES if ahead == CLOCKS else CLOCKS
    runs = counting(monkeypatch)
    async with world(mode, tmp_path, request) as w:
        # The previous release, both groups caught up.
        done = await w.publish_cases(3)
        done_events = [e for events in done.values() for e in events]
        async with w.serving(previous_release(CLOCKS, NOTICES)):
            await w.until_recorded(CLOCKS, done_events)
            await w.until_recorded(NOTICES, done_events)
        # Then one group handles more events than the other before the deployment.
        in_flight = await w.publish_cases(3)
        flight_events = [e for events in in_flight.values() for e in events]
        async with w.serving(previous_release(ahead)):
            await w.until_recorded(ahead, flight_events)
        assert await w.recorded(behind, flight_events) == {}

        # The new release: one group, which also sees events published after the switch.
        switched_at = datetime.now(UTC)
        async with w.serving(DEFINITION):
            after = await w.publish_cases(2)
            after_events = [e for events in after.values() for e in events]
            every = done_events + flight_events + after_events
            await w.until_recorded(CLOCKS, every)
            await w.until_recorded(NOTICES, every)
            await w.until_recorded(GROUP, flight_events + after_events)

        # Each part of each event ran once, in the old groups or in the new one ...
        assert runs == once(every)
        # ... and every clock and notice is there, once.
        cases = {**done, **in_flight, **after}
        await each_clock_and_notice_once(w, cases)

        # Each part was done by whoever had not done it: the old groups' records stand,
        # the new group added only the missing parts ...
        clocks = await w.recorded(CLOCKS, every)
        notices = await w.recorded(NOTICES, every)
        new = await w.recorded(GROUP, every)
        for e in done_events:
            assert clocks[e.id] < switched_at and notices[e.id] < switched_at
        for e in flight_events:
            old, missing = (clocks, notices) if ahead == CLOCKS else (notices, clocks)
            assert old[e.id] < switched_at <= missing[e.id]
        for e in after_events:
            assert clocks[e.id] >= switched_at and notices[e.id] >= switched_at
        # ... having started where the slower old group stopped, not from the beginning.
        assert set(new) == {e.id for e in flight_events + after_events}


async def test_old_and_new_replicas_side_by_side_do_each_part_once(
    mode: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rolling update: new pods join while the old pods still run both old groups, over
    the same events. Whichever takes a part first does it; the other finds its record."""
    runs = counting(monkeypatch)
    async with world(mode, tmp_path, request) as w:
        first = await w.publish_cases(2)
        first_events = [e for events in first.values() for e in events]
        async with w.serving(previous_release(CLOCKS, NOTICES)):
            await w.until_recorded(CLOCKS, first_events)
            await w.until_recorded(NOTICES, first_events)
            async with w.serving(DEFINITION):
                rollout = await w.publish_cases(4)
                every = first_events + [e for events in rollout.values() for e in events]
                await w.until_recorded(CLOCKS, every)
                await w.until_recorded(NOTICES, every)
        assert runs == once(every)
        await each_clock_and_notice_once(w, {**first, **rollout})
