"""Events of the notification service: the law's clocks, and deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from shared.events.envelope import EventData


class DeadlineSet(EventData):
    """A deadline started, or changed (extended, paused, resumed, met): the latest state."""

    deadline_id: uuid.UUID
    kind: str  # the step: answer, accept, classify, resolve, appeal_window, publish...
    unit_code: str
    starts_on: str
    due_at: datetime | None  # None while paused
    basis: str
    state: str = "running"  # running | paused | met | breached


class DeadlineWarning(EventData):
    deadline_id: uuid.UUID
    kind: str
    unit_code: str
    due_at: datetime
    working_days_left: int


class DeadlineBreached(EventData):
    deadline_id: uuid.UUID
    kind: str
    unit_code: str
    due_at: datetime
    escalated_to: list[str] = Field(
        default_factory=list
    )  # the unit head's unit and the superior unit


class NotificationDelivered(EventData):
    notification_id: uuid.UUID
    channel: str  # email | sms | webhook
    audience: str  # citizen | official
    template: str
    attempts: int


DEADLINE_SET = "deadline.set"
DEADLINE_WARNING = "deadline.warning"
DEADLINE_BREACHED = "deadline.breached"
NOTIFICATION_SENT = "notification.sent"
NOTIFICATION_FAILED = "notification.failed"
