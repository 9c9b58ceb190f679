"""Helpers for the notification tests: a settable clock, events, the service's handlers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from services.notification.calendar.working_days import LOCAL_TZ
from services.notification.context import NotificationContext
from services.notification.deadlines.handlers import HANDLERS
from services.notification.deadlines.models import Deadline
from services.notification.deadlines.service import Clocks, NotificationDeps
from shared.context import context_of
from shared.events import Envelope, EventData, new_event
from shared.messaging.consumer import bind
from tests.support.stack import kernel_of


@dataclass
class FakeClock:
    at: datetime

    def __call__(self) -> datetime:
        return self.at

    def set_local(self, day: date, hour: int = 9) -> None:
        self.at = datetime.combine(day, time(hour), tzinfo=LOCAL_TZ).astimezone(UTC)


def local(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


def step(kind: str, unit: str = "06427", province: str = "20", **extra: Any) -> dict[str, Any]:
    return {
        "tracking_code": "TEST1234",
        "kind": kind,
        "unit_code": unit,
        "province_code": province,
        "actor": "official:an",
        "status": "routed",
        **extra,
    }


def clocks_for(app: Any, now: FakeClock) -> Clocks:
    context = context_of(app, NotificationContext)
    return Clocks(
        context.kernel.outbox,
        context.reference,
        context.notify_settings,
        now,
        context.clocks.replan,
    )


class Driver:
    """Feeds events to the deadline handlers, one transaction each, as the consumer does."""

    def __init__(self, app: Any, clock: FakeClock) -> None:
        self.app = app
        self.clock = clock
        self.clocks = clocks_for(app, clock)
        self.handlers = bind(HANDLERS, NotificationDeps(self.clocks))
        self.case_id = uuid.uuid4()

    async def send(self, type_: str, data: EventData, *, on: date) -> Envelope:
        self.clock.set_local(on)
        event = new_event(type_, source="test", case_id=self.case_id, data=data, at=local(on))
        async with kernel_of(self.app).database.transaction() as session:
            await self.handlers[type_](session, event)
        return event

    async def deadlines(self) -> dict[str, Deadline]:
        from sqlalchemy import select

        async with kernel_of(self.app).database.sessions() as session:
            rows = (
                await session.execute(
                    select(Deadline)
                    .where(Deadline.case_id == self.case_id)
                    .order_by(Deadline.round)
                )
            ).scalars()
            return {f"{d.step}@{d.round}": d for d in rows}
