"""The response clock of a people's inspection board's recommendation (issue 17).

A recommendation is timed like a case's step: a TrackedCase of kind `recommendation` whose
id is the recommendation's, one deadline (`answer_recommendation`, policy in policies.yaml),
met when the head answers. Warnings, the breach, the escalation to the unit's head and its
superior and the metrics are the timers' own. Idempotent: `Clocks.start` never starts a
second clock for the same step and round, and meeting a met clock finds none open.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.calendar.working_days import local_date
from services.notification.deadlines.repository import lock_tracked
from services.notification.deadlines.service import Cause, Clocks
from shared.events import (
    RECOMMENDATION_ANSWERED,
    RECOMMENDATION_CLOCK,
    SUPERVISION_RECOMMENDED,
    Envelope,
    RecommendationAnswered,
    SupervisionRecommended,
)
from shared.messaging.consumer import Handler

KIND, STARTS, STEP = "recommendation", "recommended", RECOMMENDATION_CLOCK


def make_recommendation_handlers(clocks: Clocks) -> dict[str, Handler]:
    async def on_recommended(session: AsyncSession, event: Envelope) -> None:
        data = event.parse(SupervisionRecommended)
        issued_on = local_date(event.time)
        tracked = await lock_tracked(
            session, data.recommendation_id,
            tracking_code=f"KN-{data.recommendation_id.hex[:8].upper()}", kind=KIND,
            unit_code=data.unit_code, province_code=data.province_code, received_on=issued_on,
            second_time=False, remote=False, contact_channel="none", language="vi",
            updated_at=clocks.now(),
        )  # fmt: skip
        for policy in clocks.reference.book.in_force(KIND, STARTS, tracked.received_on):
            await clocks.start(session, tracked, policy, tracked.received_on, Cause(event.id))

    async def on_answered(session: AsyncSession, event: Envelope) -> None:
        data = event.parse(RecommendationAnswered)
        for d in await clocks.open_deadlines(session, data.recommendation_id, (STEP,)):
            await clocks.meet(session, d, Cause(event.id, event.type))

    return {SUPERVISION_RECOMMENDED: on_recommended, RECOMMENDATION_ANSWERED: on_answered}
