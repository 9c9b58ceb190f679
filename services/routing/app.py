"""Routing: units, the responsible unit for each case, work queues and the officials' workflow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.routing.cases import endpoints as cases
from services.routing.cases.handlers import make_handlers
from services.routing.database import Base, messaging
from services.routing.units import endpoints as units
from shared.app import ServiceDefinition, create_app
from shared.bus.base import Bus
from shared.geography import AdminMap
from shared.settings import Settings


async def _state(_: Settings) -> dict[str, Any]:
    return {"admin_map": AdminMap.load()}


DEFINITION = ServiceDefinition(
    name="routing",
    title="tiepdan routing",
    version="0.1.0",
    routers=[cases.router, units.router],
    metadata=Base.metadata,
    messaging=messaging,
    migrations=Path(__file__).parent / "migrations",
    consumers={"routing.cases": lambda state: make_handlers(state.outbox, state.admin_map)},
    build_state=_state,
)


def create_routing_app(settings: Settings, *, bus: Bus | None = None) -> FastAPI:
    return create_app(DEFINITION, settings, bus=bus)
