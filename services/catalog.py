"""The three services that own data, by name: what the CLI serves, migrates and runs together.

The portal (services/portal) is the fourth process of `tiepdan dev` and `tiepdan serve`, but
not here: it owns no database, no migrations and no consumers, only HTTP calls to intake
and routing.

A service's app module is imported on first use of its entry, not here: `tiepdan serve
intake` imports intake alone, not the other two (most of a second of a restart, issue 15).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from fastapi import FastAPI

from shared.app import ServiceDefinition
from shared.bus.base import Bus
from shared.settings import Settings

Loaded = tuple[ServiceDefinition[Any], Callable[..., FastAPI]]


def _intake() -> Loaded:
    from services.intake.app import DEFINITION, create_intake_app

    return DEFINITION, create_intake_app


def _routing() -> Loaded:
    from services.routing.app import DEFINITION, create_routing_app

    return DEFINITION, create_routing_app


def _notification() -> Loaded:
    from services.notification.app import DEFINITION, create_notification_app

    return DEFINITION, create_notification_app


@dataclass(frozen=True)
class ServiceEntry:
    load: Callable[[], Loaded]
    port: int

    @cached_property
    def _loaded(self) -> Loaded:
        return self.load()

    @property
    def definition(self) -> ServiceDefinition[Any]:
        return self._loaded[0]

    @property
    def create_app(self) -> Callable[..., FastAPI]:
        return self._loaded[1]

    def app(self, settings: Settings, *, bus: Bus | None = None) -> FastAPI:
        return self.create_app(settings, bus=bus)


SERVICES: dict[str, ServiceEntry] = {
    "intake": ServiceEntry(_intake, 8001),
    "routing": ServiceEntry(_routing, 8002),
    "notification": ServiceEntry(_notification, 8003),
}


PORTAL_PORT = 8000
