"""`tiepdan dev`: the three services and the portal in one process, on the embedded
database and bus."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from services.catalog import SERVICES
from shared.bus.embedded import EmbeddedBus
from shared.migrations import upgrade
from shared.settings import Settings

log = logging.getLogger(__name__)


class _QuietServer(uvicorn.Server):
    # One handler for the whole process (below) stops every server; uvicorn's own would
    # each replace the previous one.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _config(app: FastAPI, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, lifespan="on"
    )


async def migrate_all(settings: Settings, names: list[str]) -> None:
    for name in names:
        entry = SERVICES[name]
        await upgrade(settings.database_url_for(name), entry.definition.migrations)


def _portal(host: str, ports: dict[str, int]) -> FastAPI:
    """The portal, pointed at the intake and routing next door."""
    from services.portal.app import create_portal_app
    from services.portal.settings import PortalSettings

    settings = PortalSettings(
        intake_url=f"http://{host}:{ports['intake']}",
        routing_url=f"http://{host}:{ports['routing']}",
    )
    return create_portal_app(settings)


async def run_dev(
    settings: Settings, *, host: str, names: list[str], ports: dict[str, int]
) -> None:
    portal = "portal" in names
    names = [name for name in names if name in SERVICES]
    await migrate_all(settings, names)
    # Notification asks intake for a citizen's address at delivery time; here, next door.
    os.environ.setdefault(
        "TIEPDAN_NOTIFY_CONTACT_RESOLVER_URL",
        f"http://{host}:{ports['intake']}/internal/v1/contacts",
    )
    bus = EmbeddedBus(settings.resolved_event_log_url())
    await bus.start()
    servers = []
    if portal:
        servers.append(_QuietServer(_config(_portal(host, ports), host, ports["portal"])))
    for name in names:
        entry = SERVICES[name]
        service_settings = settings.model_copy(update={"service": name})
        config = _config(entry.app(service_settings, bus=bus), host, ports[name])
        servers.append(_QuietServer(config))

    loop = asyncio.get_running_loop()

    def _stop() -> None:
        log.info("stopping")
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stop)
    try:
        for name in names + (["portal"] if portal else []):
            log.info("serving %s on http://%s:%d", name, host, ports[name])
        await asyncio.gather(*(s.serve() for s in servers))
    finally:
        await bus.close()
