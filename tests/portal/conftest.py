"""The portal over real HTTP: intake and routing of an in-process embedded stack served by
uvicorn on loopback ports, the portal beside them, and Chromium for the browser tests."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from services.portal.app import create_portal_app
from services.portal.settings import PortalSettings
from shared.settings import Settings
from tests.support.stack import (
    Stack,
    embedded_settings,
    production_settings,
    running_stack,
    wait_until,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "portal"
# Deadlines for a loaded CI machine (4 test workers on 2 cores, the chaos test beside them):
# a page that asks routing five questions can take longer than httpx's default 5 s there.
UPSTREAM_TIMEOUT = 30.0  # the portal's calls to intake and routing
CLIENT_TIMEOUT = 60.0  # the test's calls to the portal, which wait on those


@dataclass
class Portal:
    url: str
    stack: Stack
    intake_url: str
    routing_url: str


@asynccontextmanager
async def serving(app: FastAPI, *, lifespan: str) -> AsyncIterator[str]:
    """Serve an app on a free loopback port in this event loop; yields its base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan=lifespan
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        if task.done():
            task.result()  # raises what stopped it
        return server.started

    await wait_until(started, what="uvicorn started")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def running_portal(
    tmp_path: Path, mode: str = "embedded", settings: dict[str, Settings] | None = None
) -> AsyncIterator[Portal]:
    async with AsyncExitStack() as stack_of:
        stack = await stack_of.enter_async_context(
            running_stack(mode, settings or embedded_settings(tmp_path))
        )
        # The stack's lifespans already run; uvicorn only carries their HTTP.
        intake_url = await stack_of.enter_async_context(
            serving(stack.apps["intake"], lifespan="off")
        )
        routing_url = await stack_of.enter_async_context(
            serving(stack.apps["routing"], lifespan="off")
        )
        portal_settings = PortalSettings(
            _env_file=None,  # type: ignore[call-arg]
            intake_url=intake_url,
            routing_url=routing_url,
            timeout_seconds=UPSTREAM_TIMEOUT,
            public_cache_seconds=0,  # the tests see each figure as soon as routing has it
        )
        url = await stack_of.enter_async_context(
            serving(create_portal_app(portal_settings), lifespan="on")
        )
        yield Portal(url, stack, intake_url, routing_url)


@pytest.fixture
async def portal(tmp_path: Path) -> AsyncIterator[Portal]:
    """Embedded mode: the browser tests and most page tests (production mode is one
    marked test, test_production.py: a stack on PostgreSQL and Kafka per test is slow)."""
    async with running_portal(tmp_path) as running:
        yield running


@pytest.fixture
async def production_portal(
    tmp_path: Path, pg_admin_url: str, kafka_bootstrap: str
) -> AsyncIterator[Portal]:
    settings = await production_settings(pg_admin_url, kafka_bootstrap, tmp_path)
    async with running_portal(tmp_path, "production", settings) as running:
        yield running


def chromium_path() -> str:
    found = os.environ.get("TIEPDAN_CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail(
            "no Chromium: the browser tests need Debian's chromium package. `make test` "
            "installs it (scripts/browser.sh install), or set TIEPDAN_CHROMIUM."
        )
    return found


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
