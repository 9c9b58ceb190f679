from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from services.notification.settings import NotifySettings
from tests.support.stack import (
    Stack,
    embedded_settings,
    production_settings,
    running_stack,
)

NOT_PROVISIONED = (
    "{var} is not set: integration tests need a real {what}. Run them through `make test`, "
    "which starts one (scripts/test-infra.sh), or set {var}; on a machine that truly cannot "
    "run them, TIEPDAN_SKIP_INTEGRATION=1 make test leaves them out, loudly."
)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    url = os.environ.get("TIEPDAN_TEST_DATABASE_URL")
    if not url:
        pytest.fail(NOT_PROVISIONED.format(var="TIEPDAN_TEST_DATABASE_URL", what="PostgreSQL"))
    return url


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    servers = os.environ.get("TIEPDAN_KAFKA_BOOTSTRAP_SERVERS")
    if not servers:
        pytest.fail(NOT_PROVISIONED.format(var="TIEPDAN_KAFKA_BOOTSTRAP_SERVERS", what="Kafka"))
    return servers


StackFactory = Callable[..., AbstractAsyncContextManager[Stack]]

# `make test` runs the suite on several workers (pytest-xdist, `--dist loadgroup`); each
# test has its own databases and topic, so tests share nothing. The files below start
# servers or service processes of their own, kill or stop them, and wait for them with
# deadlines: each group runs on one worker, one test after another, so that no two of them
# load the machine at once. The chaos test (five minutes) is a group of its own, so that the
# rest of them (about four) run beside it rather than after it.
SERIAL_GROUPS = {
    "chaos": ("tests/integration/test_chaos.py",),
    "own-processes": (
        # a PostgreSQL or Kafka of their own, stopped and killed
        "tests/integration/test_database_outage.py",
        "tests/integration/test_outbox_outage.py",
        # `tiepdan` processes, killed or stopped
        "tests/test_crash_recovery.py",
        "tests/test_dev_mode.py",
        "tests/integration/test_graceful_stop.py",
        "tests/integration/test_ready_while_broker_hangs.py",
        "tests/shared/test_dead_letter_replay.py",
        "tests/shared/test_settings.py",
        "tests/security/test_fail_closed_startup.py",
    ),
}


# Tests that take longest, handed out first, so that they run beside the rest rather than
# after it: the run then ends with short tests, on every worker about together. (`--dist
# loadgroup` hands out the groups of SERIAL_GROUPS first, the largest first, then every
# other test in the order collected.) The chaos test takes four minutes; the tests of the
# other files here took 15-48 s each in a run on a loaded 2-core machine, the most after it.
STARTS_FIRST = (
    "tests/integration/test_chaos.py",
    "tests/portal/test_browser.py",
    "tests/routing/test_stats_rollup.py",
    "tests/routing/test_workflow_machine.py",
    "tests/routing/test_satisfaction_figures.py",
    "tests/routing/test_period_reports.py",
)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` that keeps each of SERIAL_GROUPS on one worker. pytest-xdist 3.8
    groups tests by a suffix it appends to `item._nodeid`, which pytest 9.2 no longer reads
    (a node's id is `item._id`): every test was scheduled alone and the tests of a group ran
    side by side. The group of a test is here taken from its file, the rest as xdist does."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    group_of = {path: group for group, paths in SERIAL_GROUPS.items() for path in paths}

    class SerialGroups(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of.get(nodeid.split("::", 1)[0]) or super()._split_scope(nodeid)

    return SerialGroups(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    group_of = {path: group for group, paths in SERIAL_GROUPS.items() for path in paths}
    named = [*group_of, *STARTS_FIRST]
    if missing := [path for path in named if not (config.rootpath / path).is_file()]:
        raise pytest.UsageError(
            f"SERIAL_GROUPS or STARTS_FIRST name files that are gone: {missing}"
        )
    rank = {path: n for n, path in enumerate(STARTS_FIRST)}
    path_of = {item: item.path.relative_to(config.rootpath).as_posix() for item in items}
    for item in items:
        if path_of[item] in group_of:
            item.add_marker(pytest.mark.xdist_group(group_of[path_of[item]]))
    items.sort(key=lambda item: rank.get(path_of[item], len(rank)))  # stable: the rest as found


@pytest.fixture(params=["embedded", pytest.param("production", marks=pytest.mark.integration)])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def stack_factory(mode: str, tmp_path: Path, request: pytest.FixtureRequest) -> StackFactory:
    """Builds a running stack in the test's mode; call it as `async with stack_factory():`."""

    def factory(**overrides: Any) -> AbstractAsyncContextManager[Stack]:
        """`services=` which to run; `parts=` feature settings (`room(ip_burst=3)`,
        `AttachmentSettings(max_bytes=1000)`) given to every service's settings; the rest
        are `Settings` fields."""
        services = overrides.pop("services", ("intake", "routing", "notification"))
        parts = overrides.pop("parts", ())
        return _stack(mode, tmp_path, request, services, overrides, parts)

    return factory


def without_notification_workers(factory: StackFactory) -> StackFactory:
    """`factory` with notification's background workers off: the test drives the sweeper and
    the deliverer itself, with a clock it controls."""

    def quiet(**overrides: Any) -> AbstractAsyncContextManager[Stack]:
        parts = [NotifySettings(workers=False), *overrides.pop("parts", ())]
        return factory(parts=parts, **overrides)

    return quiet


@pytest.fixture
async def stack(stack_factory: StackFactory) -> AsyncIterator[Stack]:
    async with stack_factory() as running:
        yield running


def _stack(
    mode: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    services: Any,
    overrides: Any,
    parts: Any = (),
) -> AbstractAsyncContextManager[Stack]:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def run() -> AsyncIterator[Stack]:
        if mode == "embedded":
            settings = embedded_settings(tmp_path, **overrides)
        else:
            settings = await production_settings(
                request.getfixturevalue("pg_admin_url"),
                request.getfixturevalue("kafka_bootstrap"),
                tmp_path,
                **overrides,
            )
        settings = {name: given.with_parts(*parts) for name, given in settings.items()}
        async with running_stack(mode, settings, services=services) as running:
            yield running

    return run()
