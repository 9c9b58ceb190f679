"""A case committed while Kafka is down is delivered once Kafka is back (the outbox).

A broker of its own, really stopped and started again: the shared broker stays up for
the other tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.events import CASE_SUBMITTED
from tests.support.servers import REPO, address, server
from tests.support.stack import production_settings, running_stack, wait_until
from tests.support.topic import all_events

pytestmark = pytest.mark.integration


def _kafka(command: str, state_dir: Path) -> str:
    return server("kafka", command, state_dir)


@pytest.fixture
def outage_broker() -> Iterator[tuple[str, Path]]:
    state_dir = REPO / ".tiepdan" / "kafka-outage"
    _kafka("start", state_dir)
    bootstrap = address("kafka", state_dir)
    try:
        yield bootstrap, state_dir
    finally:
        _kafka("stop", state_dir)


async def test_a_case_filed_while_kafka_is_down_is_routed_once_it_is_back(
    outage_broker: tuple[str, Path], pg_admin_url: str, tmp_path: Path
) -> None:
    bootstrap, state_dir = outage_broker
    settings = await production_settings(pg_admin_url, bootstrap, tmp_path)
    async with running_stack("production", settings) as stack:
        _kafka("stop", state_dir)

        created = await stack.submit()  # accepted: the database is the system of record
        relay_errors = stack.kernel("intake").metrics.relay_errors

        async def relay_failed() -> bool:
            return relay_errors._value.get() >= 1

        await wait_until(
            relay_failed, what="the relay to fail against the stopped broker", within=90
        )
        backlog = stack.kernel("intake").metrics.outbox_backlog

        async def backlog_seen() -> bool:
            return backlog._value.get() >= 1  # what the OutboxBacklog alert watches

        await wait_until(backlog_seen, what="the outbox backlog metric to rise", within=60)
        unpublished = await stack.scalar(
            "intake", "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        )
        assert unpublished == 1
        # Still ready: intake keeps accepting cases (the outbox is there for exactly this),
        # so a broker outage must not take it out of the load balancer. The bus's state is
        # reported, and is a metric with an alert.
        ready = await stack["intake"].get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["database"] == "ok"
        assert ready.json()["checks"]["bus"].startswith("failing")
        metrics = (await stack["intake"].get("/metrics")).text
        assert 'tiepdan_dependency_up{dependency="bus"} 0.0' in metrics

        _kafka("start", state_dir)
        view = await stack.wait_routed(created["tracking_code"], within=120)

        assert view["unit"]["code"] == "06427"
        assert (
            await stack.scalar("intake", "SELECT count(*) FROM outbox WHERE published_at IS NULL")
            == 0
        )
        submitted = [
            e
            for e in await all_events(stack)
            if e.type == CASE_SUBMITTED and str(e.case_id) == created["id"]
        ]
        assert submitted  # delivered at least once...
        assert await stack.count("routing", "cases") == 1  # ...and handled once
        assert await stack.count("routing", "case_history") == 1
