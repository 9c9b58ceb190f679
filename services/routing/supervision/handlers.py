"""Notification's clock of a recommendation, kept on routing's recommendation.

Routing fixes a first `due_on` from its copy of the period (policy.yaml) when the board
recommends; notification owns the running clock (its policies.yaml, which administrators
correct, and the Civil Code's rule for a period ending on a rest day) and announces it in
deadline.set keyed by the recommendation's id. Every other deadline.set is a case's.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.queues.handlers import on_deadline_set as case_deadline_set
from services.routing.stats.rollup import local_day
from services.routing.supervision.models import Recommendation
from shared.events import DEADLINE_SET, DeadlineSet, Envelope
from shared.messaging.consumer import Handler

STEP = "answer_recommendation"  # notification's policy step


async def on_deadline_set(session: AsyncSession, event: Envelope) -> None:
    data = event.parse(DeadlineSet)
    if data.kind != STEP:
        await case_deadline_set(session, event)
        return
    rec = await session.get(Recommendation, event.case_id, with_for_update=True)
    if rec is None or data.due_at is None or rec.state != "open":
        return  # not (yet) here, paused, or answered: nothing to move
    rec.due_on = local_day(data.due_at)


HANDLERS: dict[str, Handler] = {DEADLINE_SET: on_deadline_set}
