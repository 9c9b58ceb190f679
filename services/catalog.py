"""The three services that own data, by name: what the CLI serves, migrates and runs together.

The portal (services/portal) is the fourth process of `tiepdan dev` and `tiepdan serve`, but
not here: it owns no database, no migrations and no consumers, only HTTP calls to intake
and routing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI

from services.intake.app import DEFINITION as INTAKE
from services.intake.app import create_intake_app
from services.notification.app import DEFINITION as NOTIFICATION
from services.notification.app import create_notification_app
from services.routing.app import DEFINITION as ROUTING
from services.routing.app import create_routing_app
from shared.app import ServiceDefinition
from shared.bus.base import Bus
from shared.settings import Settings


@dataclass(frozen=True)
class ServiceEntry:
    definition: ServiceDefinition
    create_app: Callable[..., FastAPI]
    port: int

    def app(self, settings: Settings, *, bus: Bus | None = None) -> FastAPI:
        return self.create_app(settings, bus=bus)


SERVICES: dict[str, ServiceEntry] = {
    "intake": ServiceEntry(INTAKE, create_intake_app, 8001),
    "routing": ServiceEntry(ROUTING, create_routing_app, 8002),
    "notification": ServiceEntry(NOTIFICATION, create_notification_app, 8003),
}


PORTAL_PORT = 8000
