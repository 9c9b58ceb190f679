"""Intake: what citizens submit, and the citizen-facing view of each case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.intake.cases import endpoints as cases
from services.intake.cases.handlers import HANDLERS
from services.intake.cases.secrets import IdentityCipher
from services.intake.database import Base, messaging
from services.intake.units import endpoints as units
from shared.app import ServiceDefinition, create_app
from shared.bus.base import Bus
from shared.geography import AdminMap
from shared.settings import Settings


async def _state(settings: Settings) -> dict[str, Any]:
    return {"admin_map": AdminMap.load(), "identity_cipher": IdentityCipher.from_settings(settings)}


DEFINITION = ServiceDefinition(
    name="intake",
    title="tiepdan intake",
    version="0.1.0",
    routers=[cases.router, units.router],
    metadata=Base.metadata,
    messaging=messaging,
    migrations=Path(__file__).parent / "migrations",
    consumers={"intake.read-model": lambda state: HANDLERS},
    build_state=_state,
)


def create_intake_app(settings: Settings, *, bus: Bus | None = None) -> FastAPI:
    return create_app(DEFINITION, settings, bus=bus)
