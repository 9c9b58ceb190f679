"""Notification: the law's deadlines and their timers, the working-day calendar, notices."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.notification import worker
from services.notification.calendar import endpoints as calendar
from services.notification.calendar import models as _calendar_models  # noqa: F401
from services.notification.context import NotificationContext, build_context
from services.notification.database import Base, messaging
from services.notification.deadlines import endpoints as deadlines
from services.notification.deadlines.service import NotificationDeps
from services.notification.handlers import GROUP, TAKES_OVER, parts
from services.notification.notices import endpoints as notices
from services.notification.policies import endpoints as policies
from services.notification.preview import endpoints as preview
from services.notification.settings import NotifySettings, check_notify_settings
from services.notification.timers import models as _timer_models  # noqa: F401
from shared import asyncapi
from shared.app import ServiceDefinition, create_app
from shared.bus.base import Bus
from shared.messaging.consumer import Part
from shared.settings import Settings


def _handlers(context: NotificationContext) -> list[Part]:
    return parts(
        NotificationDeps(context.clocks), prefix=context.kernel.settings.kafka_group_prefix
    )


def _preflight(settings: Settings) -> None:
    check_notify_settings(settings.part(NotifySettings), settings)


DEFINITION = ServiceDefinition[NotificationContext](
    name="notification",
    title="tiepdan notification",
    version="0.2.0",
    routers=[
        preview.router,
        asyncapi.router,
        deadlines.router,
        calendar.router,
        policies.router,
        notices.router,
    ],
    metadata=Base.metadata,
    messaging=messaging,
    migrations=Path(__file__).parent / "migrations",
    context=build_context,
    # One group: each event's clocks, then its notices, in one transaction (handlers.py).
    consumers={GROUP: _handlers},
    takes_over={GROUP: TAKES_OVER},
    workers=worker.workers,
    preflight=_preflight,
    settings_parts=(NotifySettings,),
)


def create_notification_app(settings: Settings, *, bus: Bus | None = None) -> FastAPI:
    return create_app(DEFINITION, settings, bus=bus)
