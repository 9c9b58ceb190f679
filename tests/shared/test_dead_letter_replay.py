"""`tiepdan dlq replay`: an operator puts back what a consumer parked, once the cause is fixed.

The failure is real: routing's database refuses the case (a trigger standing for a bug or
a constraint), the event is dead-lettered; the trigger is dropped (the fix); a dry run
lists the event and changes nothing; the replay routes the case, once; a second replay
finds nothing left to do. In both modes through the library, and as the command an
operator types against Kafka."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from shared.messaging.dead_letters import Parked, replay
from shared.settings import Settings
from tests.conftest import StackFactory
from tests.support.stack import Stack, production_settings, running_stack, wait_until

TIEPDAN = str(Path(sys.executable).parent / "tiepdan")
BLOCK = {
    "sqlite": [
        "CREATE TRIGGER block_cases BEFORE INSERT ON cases "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION block_cases() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN RAISE EXCEPTION 'refused by the test'; END$$",
        "CREATE TRIGGER block_cases BEFORE INSERT ON cases "
        "FOR EACH ROW EXECUTE FUNCTION block_cases()",
    ],
}


def _parked(stack: Stack) -> float:
    metric = next(iter(stack.kernel("routing").metrics.dead_lettered.collect()))
    return sum(s.value for s in metric.samples if s.name.endswith("_total"))


async def _park_one_case(stack: Stack) -> dict[str, Any]:
    """Submit a case that routing refuses until the test 'fixes' it; return the case."""
    routing = stack.database("routing")
    async with routing.transaction() as session:
        for statement in BLOCK[routing.dialect]:
            await session.execute(text(statement))
    created = await stack.submit()

    async def parked() -> bool:
        return _parked(stack) >= 1

    await wait_until(parked, what="routing to dead-letter the refused case", within=60)
    on = " ON cases" if routing.dialect == "postgresql" else ""
    async with routing.transaction() as session:
        await session.execute(text("DROP TRIGGER block_cases" + on))
    return created


async def test_a_dead_lettered_case_is_routed_once_replayed(stack_factory: StackFactory) -> None:
    async with stack_factory(consumer_max_attempts=1) as stack:
        created = await _park_one_case(stack)
        settings = stack.settings["routing"]
        bus = stack.kernel("routing").bus

        async def run(dry_run: bool) -> list[Parked]:
            return await replay(
                bus,
                dead_letter_topic=settings.kafka_dead_letter_topic,
                default_topic=settings.kafka_topic,
                dry_run=dry_run,
                seen=lambda _: None,
                group=settings.kafka_group_prefix + "replay",
                # Ends on a condition (read to the end of its partitions), this only the last
                # empty fetch before it asks: short, so the test does not wait out an idle.
                idle_seconds=0.5,
            )

        listed = await run(dry_run=True)
        assert [(p.event_type, p.case_id, p.topic) for p in listed] == [
            ("case.submitted", created["id"], settings.kafka_topic)
        ]
        assert "refused by the test" in listed[0].error
        assert listed[0].consumer.endswith("routing.cases")
        assert await stack.count("routing", "cases") == 0  # a dry run changes nothing

        assert len(await run(dry_run=False)) == 1
        await stack.wait_routed(created["tracking_code"], within=60)
        assert await run(dry_run=False) == []  # the first replay is remembered
        assert await stack.count("routing", "cases") == 1
        assert await stack.count("routing", "case_history") == 1


@pytest.mark.integration
async def test_the_operator_command_lists_then_replays(
    pg_admin_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = await production_settings(
        pg_admin_url, kafka_bootstrap, tmp_path, consumer_max_attempts=1
    )
    async with running_stack("production", settings) as stack:
        created = await _park_one_case(stack)
        routing = stack.settings["routing"]

        listed = _cli(routing, "--dry-run")
        assert "case.submitted" in listed and created["id"] in listed, listed
        assert "refused by the test" in listed
        assert "would replay 1 event(s)" in listed
        assert await stack.count("routing", "cases") == 0

        assert "replayed 1 event(s)" in _cli(routing)
        await stack.wait_routed(created["tracking_code"], within=60)
        assert "replayed 0 event(s)" in _cli(routing)
        assert await stack.count("routing", "case_history") == 1


def _cli(settings: Settings, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIEPDAN_")}
    env.update(
        TIEPDAN_LOG_LEVEL="WARNING",
        TIEPDAN_DATA_DIR=str(settings.data_dir),
        TIEPDAN_BUS="kafka",
        TIEPDAN_KAFKA_BOOTSTRAP_SERVERS=settings.kafka_bootstrap_servers,
        TIEPDAN_KAFKA_TOPIC=settings.kafka_topic,
        TIEPDAN_KAFKA_DEAD_LETTER_TOPIC=settings.kafka_dead_letter_topic,
        TIEPDAN_KAFKA_GROUP_PREFIX=settings.kafka_group_prefix,
        COLUMNS="200",
    )
    result = subprocess.run(
        # The command stops once it has read its partitions to their end; --idle-seconds is
        # only the empty fetch before it checks, waited out once per run (three runs here).
        [TIEPDAN, "dlq", "replay", "--idle-seconds", "0.5", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr
