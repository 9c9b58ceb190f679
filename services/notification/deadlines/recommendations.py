"""The clocks of a people's inspection board's work with its unit (issue 17).

Each is timed like a case's step: a TrackedCase of its own kind whose id is the thing timed,
one deadline under a policy of policies.yaml, met by the unit's answer:

- a recommendation (`recommendation`, step `answer_recommendation`): started by
  supervision.recommended, met by recommendation.answered;
- a request for information (`information_request`, step `answer_information`): started by
  supervision.information_requested, met by supervision.information_given;
- each follow-up action an answer commits to (`recommendation_action`, step
  `follow_up_action`): started by recommendation.answered, to the head's own date, met by
  recommendation.action_done.

Warnings, the breach, the escalation to the unit's head and its superior and the metrics are
the timers' own. Idempotent: `Clocks.start` never starts a second clock for the same step and
round, and meeting a met clock finds none open.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.calendar.working_days import local_date
from services.notification.deadlines.models import TrackedCase
from services.notification.deadlines.repository import lock_tracked
from services.notification.deadlines.service import Cause, Clocks, NotificationDeps
from services.notification.policies.rules import Unit
from shared.events import (
    FOLLOW_UP_CLOCK,
    INFORMATION_CLOCK,
    RECOMMENDATION_ACTION_DONE,
    RECOMMENDATION_ANSWERED,
    RECOMMENDATION_CLOCK,
    SUPERVISION_INFORMATION_GIVEN,
    SUPERVISION_INFORMATION_REQUESTED,
    SUPERVISION_RECOMMENDED,
    Envelope,
    RecommendationActionDone,
    RecommendationAnswered,
    SupervisionInformationGiven,
    SupervisionInformationRequested,
    SupervisionRecommended,
)
from shared.messaging.consumer import DepsHandler

KIND, STARTS, STEP = "recommendation", "recommended", RECOMMENDATION_CLOCK
REQUEST_KIND, REQUEST_STARTS = "information_request", "information_requested"
ACTION_KIND, ACTION_STARTS = "recommendation_action", "action_committed"


async def _tracked(
    session: AsyncSession, now: datetime, id_: uuid.UUID, prefix: str, kind: str,
    unit_code: str, province_code: str, on: date,
) -> TrackedCase:  # fmt: skip
    return await lock_tracked(
        session, id_, tracking_code=f"{prefix}-{id_.hex[:8].upper()}", kind=kind,
        unit_code=unit_code, province_code=province_code, received_on=on, second_time=False,
        remote=False, contact_channel="none", language="vi", updated_at=now,
    )  # fmt: skip


async def _meet(
    session: AsyncSession, clocks: Clocks, id_: uuid.UUID, step: str, event: Envelope
) -> None:
    for d in await clocks.open_deadlines(session, id_, (step,)):
        await clocks.meet(session, d, Cause(event.id, event.type))


async def on_recommended(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    data = event.parse(SupervisionRecommended)
    tracked = await _tracked(
        session, deps.now(), data.recommendation_id, "KN", KIND, data.unit_code,
        data.province_code, local_date(event.time),
    )  # fmt: skip
    for policy in deps.clocks.reference.book.in_force(KIND, STARTS, tracked.received_on):
        await deps.clocks.start(session, tracked, policy, tracked.received_on, Cause(event.id))


async def on_answered(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    data = event.parse(RecommendationAnswered)
    await _meet(session, deps.clocks, data.recommendation_id, STEP, event)
    answered_on = local_date(event.time)
    province = data.province_code
    if province is None and data.follow_up:  # older events: the recommendation's own row
        recommendation = await session.get(TrackedCase, data.recommendation_id)
        province = recommendation.province_code if recommendation else data.unit_code
    for action in data.follow_up:
        tracked = await _tracked(
            session, deps.now(), action.action_id, "KNTH", ACTION_KIND, data.unit_code,
            province or data.unit_code, answered_on,
        )  # fmt: skip
        # The head's own date, counted like any period from the day of the answer.
        days = max((action.due_on - answered_on).days, 1)
        for policy in deps.clocks.reference.book.in_force(ACTION_KIND, ACTION_STARTS, answered_on):
            await deps.clocks.start(
                session, tracked, policy, answered_on, Cause(event.id),
                period=(days, Unit.calendar_days),
            )  # fmt: skip


async def on_action_done(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    data = event.parse(RecommendationActionDone)
    await _meet(session, deps.clocks, data.action_id, FOLLOW_UP_CLOCK, event)


async def on_information_requested(
    session: AsyncSession, event: Envelope, deps: NotificationDeps
) -> None:
    data = event.parse(SupervisionInformationRequested)
    tracked = await _tracked(
        session, deps.now(), data.request_id, "YC", REQUEST_KIND, data.unit_code,
        data.province_code, local_date(event.time),
    )  # fmt: skip
    on = tracked.received_on
    for policy in deps.clocks.reference.book.in_force(REQUEST_KIND, REQUEST_STARTS, on):
        await deps.clocks.start(session, tracked, policy, on, Cause(event.id))


async def on_information_given(
    session: AsyncSession, event: Envelope, deps: NotificationDeps
) -> None:
    data = event.parse(SupervisionInformationGiven)
    await _meet(session, deps.clocks, data.request_id, INFORMATION_CLOCK, event)


HANDLERS: dict[str, DepsHandler[NotificationDeps]] = {
    SUPERVISION_RECOMMENDED: on_recommended,
    RECOMMENDATION_ANSWERED: on_answered,
    RECOMMENDATION_ACTION_DONE: on_action_done,
    SUPERVISION_INFORMATION_REQUESTED: on_information_requested,
    SUPERVISION_INFORMATION_GIVEN: on_information_given,
}
