"""Events of the notification service: the law's clocks, and deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from shared.events.envelope import EventData


class DeadlineStep(StrEnum):
    """The one vocabulary of the law's steps: notification's policies name their clocks with it,
    deadline.set carries it as `kind`, and routing's queues choose clocks by it."""

    accept = "accept"
    classify = "classify"
    forward = "forward"
    answer = "answer"
    resolve = "resolve"
    notify_parties = "notify_parties"  # send the decision or notice to the parties
    publish = "publish"
    appeal_window = "appeal_window"
    report_back = "report_back"
    file = "file"
    suspension = "suspension"
    suspension_notice = "suspension_notice"
    dialogue_notice = "dialogue_notice"
    court_window = "court_window"
    answer_recommendation = "answer_recommendation"  # the head answers the board (issue 17)
    answer_information = "answer_information"  # the unit answers the board's request
    follow_up_action = "follow_up_action"  # an accepted recommendation's action, by its date


class DeadlineSet(EventData, type="deadline.set"):
    """A deadline started, or changed (extended, paused, resumed, met): the latest state."""

    deadline_id: uuid.UUID
    kind: str  # the step: answer, accept, classify, resolve, appeal_window, publish...
    unit_code: str
    starts_on: str
    due_at: datetime | None  # None while paused
    basis: str
    state: str = "running"  # running | paused | met | breached


class DeadlineWarning(EventData, type="deadline.warning"):
    deadline_id: uuid.UUID
    kind: str
    unit_code: str
    due_at: datetime
    working_days_left: int


class DeadlineBreached(EventData, type="deadline.breached"):
    deadline_id: uuid.UUID
    kind: str
    unit_code: str
    due_at: datetime
    escalated_to: list[str] = Field(
        default_factory=list
    )  # the unit head's unit and the superior unit


class NotificationDelivered(EventData, type=("notification.sent", "notification.failed")):
    notification_id: uuid.UUID
    channel: str  # email | sms | webhook
    audience: str  # citizen | official
    template: str
    attempts: int


# The types by name, for the modules that import them so: the model is the type.
DEADLINE_SET = DeadlineSet.type
DEADLINE_WARNING = DeadlineWarning.type
DEADLINE_BREACHED = DeadlineBreached.type
NOTIFICATION_SENT, NOTIFICATION_FAILED = NotificationDelivered.types
