"""Contract: schemathesis generates requests from each service's OpenAPI document (intake's
with Open311) and checks every answer against it, all checks on (schemathesis.toml says what
the checks cannot know), on a small fixed budget, as an official with a valid token."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings

from services.catalog import SERVICES
from shared.auth import Role, ensure_dev_keys, issue_dev_token
from shared.migrations import upgrade
from tests.support.open311 import WIDE_OPEN
from tests.support.stack import embedded_settings

BUDGET = 5  # examples per operation: the whole run stays well under a minute


@pytest.fixture(params=["intake", "routing", "notification"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, dict[str, str]]]:
    """The service on a local port (embedded mode), in a thread with its own event loop; its
    loaded document and the headers of an official of Cai Kinh."""
    service = str(request.param)
    config = embedded_settings(tmp_path)[service].with_parts(WIDE_OPEN)
    key_dir = config.resolved_key_dir()
    ensure_dev_keys(key_dir)
    token = issue_dev_token(
        key_dir, role=Role.unit_head, unit_code="06427", sub="an", settings=config
    )
    definition = SERVICES[service].definition
    asyncio.run(upgrade(config.database_url_for(service), definition.migrations))
    app = SERVICES[service].app(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:  # start-up, not synchronisation between test steps
        assert time.monotonic() < deadline, f"{service} did not start"
        time.sleep(0.05)
    port = sock.getsockname()[1]
    try:
        document = schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/openapi.json")
        yield document, {"Authorization": f"Bearer {token}"}
    finally:
        server.should_exit = True
        thread.join(30)


def test_each_service_answers_as_its_document_says(served: tuple[Any, dict[str, str]]) -> None:
    document, headers = served
    failures = []
    for result in document.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=BUDGET,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # every operation, not the first only
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
