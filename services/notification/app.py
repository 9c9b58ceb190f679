"""Notification: the law's deadlines and their timers, the working-day calendar, notices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.notification.calendar import endpoints as calendar
from services.notification.calendar.working_days import WorkingDayCalendar
from services.notification.database import Base, messaging
from services.notification.deadlines import endpoints as deadlines
from services.notification.deadlines.handlers import make_handlers
from services.notification.policies import endpoints as policies
from services.notification.policies.rules import PolicyBook
from shared.app import ServiceDefinition, create_app
from shared.bus.base import Bus
from shared.settings import Settings


async def _state(_: Settings) -> dict[str, Any]:
    return {"policies": PolicyBook.load(), "calendar": WorkingDayCalendar()}


DEFINITION = ServiceDefinition(
    name="notification",
    title="tiepdan notification",
    version="0.1.0",
    routers=[deadlines.router, calendar.router, policies.router],
    metadata=Base.metadata,
    messaging=messaging,
    migrations=Path(__file__).parent / "migrations",
    consumers={
        "notification.deadlines": lambda state: make_handlers(
            state.outbox, state.policies, state.calendar
        ),
    },
    build_state=_state,
)


def create_notification_app(settings: Settings, *, bus: Bus | None = None) -> FastAPI:
    return create_app(DEFINITION, settings, bus=bus)
