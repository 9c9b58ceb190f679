"""A database outage is waited out, never a poison message (issue 15).

Two faults, both real: a PostgreSQL of its own crashed (`pg_ctl stop -m immediate`) and
started again while cases are in flight, and a server that answers the wire protocol's
FATAL 57P03 "the database system is not yet accepting connections" for longer than the
consumers' attempt budget. Each ends with every accepted case routed once, with its
deadline, and nothing dead-lettered; while the database is down, requests are answered 503
with Retry-After, never 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tests.support.pg_proxy import PgFaultProxy
from tests.support.servers import REPO, address, server
from tests.support.stack import Stack, kernel_of, production_settings, running_stack, wait_until
from tests.support.topic import all_events

pytestmark = pytest.mark.integration
CASES = 8


def _postgres(command: str, state_dir: Path, **env: str) -> str:
    return server("postgres", command, state_dir, **env)


@pytest.fixture
def own_postgres() -> Iterator[tuple[str, Path]]:
    """A cluster of this test's own: the shared one stays up for the other tests."""
    state_dir = REPO / ".tiepdan" / "pg-outage"
    _postgres("start", state_dir)
    url = address("postgres", state_dir)
    try:
        yield url, state_dir
    finally:
        _postgres("stop", state_dir)


def _dead_lettered(stack: Stack) -> float:
    total = 0.0
    for app in stack.apps.values():
        for metric in kernel_of(app).metrics.dead_lettered.collect():
            total += sum(s.value for s in metric.samples if s.name.endswith("_total"))
    return total


def _outage_retries(stack: Stack, service: str) -> float:
    metric = next(iter(stack.kernel(service).metrics.outage_retries.collect()))
    return sum(s.value for s in metric.samples if s.name.endswith("_total"))


async def _all_routed_once(stack: Stack, codes: list[str]) -> None:
    for code in codes:
        await stack.wait_routed(code, within=90)
    assert await stack.count("routing", "cases") == len(codes)
    assert await stack.count("routing", "case_history") >= len(codes)
    assert _dead_lettered(stack) == 0
    dlq = stack.settings["routing"].kafka_dead_letter_topic
    assert await all_events(stack, dlq) == []


async def test_a_crashed_and_restarted_postgresql_loses_no_case(
    own_postgres: tuple[str, Path], kafka_bootstrap: str, tmp_path: Path
) -> None:
    admin_url, state_dir = own_postgres
    settings = await production_settings(admin_url, kafka_bootstrap, tmp_path)
    async with running_stack("production", settings) as stack:
        codes = [(await stack.submit())["tracking_code"] for _ in range(CASES)]
        # Crashed while those are on their way through routing and notification.
        await asyncio.to_thread(_postgres, "stop", state_dir, TIEPDAN_PG_STOP_MODE="immediate")

        answers: dict[str, Any] = {}
        for name, call in (
            ("submit", stack["intake"].post("/v1/cases", json=_body())),
            ("view", stack["intake"].get(f"/v1/cases/{codes[0]}")),
            ("queue", stack["routing"].get("/v1/queues/06427", headers=stack.auth())),
            ("ready", stack["intake"].get("/readyz")),
        ):
            answers[name] = await call
        for name, response in answers.items():
            assert response.status_code == 503, (name, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert int(response.headers["retry-after"]) > 0, name
        assert answers["ready"].json()["checks"]["database"].startswith("failing")

        await asyncio.to_thread(_postgres, "start", state_dir)
        # The first request after the database is back succeeds.
        late = await stack["intake"].post("/v1/cases", json=_body())
        assert late.status_code == 201, late.text
        codes.append(late.json()["tracking_code"])
        await _all_routed_once(stack, codes)
        for service in ("intake", "routing", "notification"):
            assert (await stack[service].get("/readyz")).status_code == 200
        assert await stack.count("intake", "cases") == len(codes)  # the 503 wrote nothing
        assert await stack.count("notification", "deadlines") >= len(codes)


async def test_a_database_not_yet_accepting_connections_is_waited_out(
    pg_admin_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = await production_settings(pg_admin_url, kafka_bootstrap, tmp_path)
    upstream = make_url(pg_admin_url)
    proxy = PgFaultProxy(str(upstream.host), int(upstream.port or 5432))
    await proxy.start()
    for name in ("routing", "notification"):
        url = make_url(settings[name].database_url).set(port=proxy.port)
        settings[name] = settings[name].model_copy(
            update={"database_url": url.render_as_string(hide_password=False)}
        )
    try:
        async with running_stack("production", settings) as stack:
            proxy.restart_begins()
            codes = [(await stack.submit())["tracking_code"] for _ in range(CASES)]
            budget = stack.settings["routing"].consumer_max_attempts

            async def waited_past_the_attempt_budget() -> bool:
                # Before the fix, five such errors dead-lettered the event in about 3 s.
                return _outage_retries(stack, "routing") > 2 * budget

            await wait_until(
                waited_past_the_attempt_budget,
                what="routing to retry through the outage beyond its attempts",
                within=60,
            )
            assert proxy.refused > 0
            ready = await stack["routing"].get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"].startswith("failing")

            proxy.restart_ends()
            await _all_routed_once(stack, codes)
    finally:
        await proxy.close()


def _body() -> dict[str, Any]:
    return {
        "kind": "feedback",
        "title": "Đèn đường hỏng",
        "description": "Ba cột đèn trên đường liên thôn không sáng.",
        "location": {"unit_code": "06427"},
    }


async def test_a_request_that_finds_the_pool_exhausted_is_answered_503(
    pg_admin_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = await production_settings(
        pg_admin_url,
        kafka_bootstrap,
        tmp_path,
        database_pool_size=1,
        database_pool_timeout=0.5,
    )
    async with running_stack("production", settings, services=("intake",)) as stack:
        engine = stack.database("intake").engine
        stack.kernel("intake").relay.stop()  # the requests alone use the pool now
        for consumer in stack.kernel("intake").consumers:
            consumer.stop()

        async def pool_idle() -> bool:
            return engine.pool.checkedout() == 0  # type: ignore[attr-defined, no-any-return]

        await wait_until(pool_idle, what="the relay to give its connection back")
        held = []  # every connection the pool will give
        while True:
            try:
                held.append(await engine.connect())
            except PoolTimeout:
                break
        try:
            busy = await stack["intake"].post("/v1/cases", json=_body())
            assert busy.status_code == 503, busy.text
            assert busy.headers["content-type"].startswith("application/problem+json")
            assert int(busy.headers["retry-after"]) > 0
        finally:
            for connection in held:
                await connection.close()
        assert await stack.count("intake", "cases") == 0  # nothing half-written
        created = await stack["intake"].post("/v1/cases", json=_body())
        assert created.status_code == 201, created.text
