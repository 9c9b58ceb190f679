"""Events the board's work listens to: a recommendation's clock, residents' feedback and messages.

Notification's clock of a recommendation, kept on routing's recommendation:

Routing fixes a first `due_on` from its copy of the period (policy.yaml) when the board
recommends; notification owns the running clock (its policies.yaml, which administrators
correct, and the Civil Code's rule for a period ending on a rest day) and announces it in
deadline.set keyed by the recommendation's id. Every other deadline.set is a case's.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import local_day
from services.routing.cases.models import RoutedCase
from services.routing.queues import handlers as queues
from services.routing.supervision.models import BoardMessage, Recommendation, SupervisionEntry
from services.routing.workflow import handlers as workflow
from services.routing.workflow.handlers import RoutingDeps
from shared.events import (
    FOLLOW_UP_CLOCK,
    INFORMATION_CLOCK,
    RECOMMENDATION_CLOCK,
    CaseMessageAdded,
    CaseSubmitted,
    DeadlineSet,
    Envelope,
)
from shared.messaging.consumer import DepsHandler

STEP = RECOMMENDATION_CLOCK  # notification's policy step


async def on_deadline_set(session: AsyncSession, event: Envelope, deps: RoutingDeps) -> None:
    """A board's clock moves the recommendation's or the request's date; every other clock
    is a case's (queues/handlers.py)."""
    data = event.parse(DeadlineSet)
    if data.kind == INFORMATION_CLOCK:
        request = await session.get(SupervisionEntry, event.case_id, with_for_update=True)
        if request is not None and data.due_at is not None and data.state == "running":
            request.due_on = local_day(data.due_at)  # notification's, as for recommendations
        return
    if data.kind == FOLLOW_UP_CLOCK:
        return  # to the head's own date, which routing already shows
    if data.kind != STEP:
        await queues.on_deadline_set(session, event, deps)
        return
    rec = await session.get(Recommendation, event.case_id, with_for_update=True)
    if rec is None or data.due_at is None or rec.state != "open":
        return  # not (yet) here, paused, or answered: nothing to move
    rec.due_on, rec.deadline_id = local_day(data.due_at), data.deadline_id


async def on_case_submitted(session: AsyncSession, event: Envelope, deps: RoutingDeps) -> None:
    """The workflow routes every case; a feedback addressed to the board also goes to the
    board's queue."""
    # A look at the raw fields: every case passes here, and the routing parses the event
    if (event.data.get("addressed_to"), event.data.get("kind")) != ("board", "feedback"):
        await workflow.on_case_submitted(session, event, deps)
        return
    unit_code = await workflow.route_submitted(session, event, deps)
    if unit_code is None:
        return  # a replay: the first one left the message
    submitted = event.parse(CaseSubmitted)
    # As well as the unit's queue: the board has no power to resolve a feedback, the unit
    # does (on its clock); the board reads it to supervise and recommend. Keyed by the
    # case's id: one submission, one message, whatever the replays.
    session.add(
        BoardMessage(
            id=event.case_id,
            unit_code=unit_code,
            case_id=event.case_id,
            tracking_code=submitted.tracking_code,
            case_kind=submitted.kind,
            text=f"{submitted.title}\n\n{submitted.description}",
            at=submitted.submitted_at,
        )
    )


async def on_message_added(session: AsyncSession, event: Envelope, deps: RoutingDeps) -> None:
    """A resident's message to the board goes to the board's queue, every other message to
    the workflow's own handler (the case's conversation)."""
    data = event.parse(CaseMessageAdded)
    if data.addressed_to != "board":
        await workflow.on_message_added(session, event, deps)
        return
    case = await session.get(RoutedCase, event.case_id)
    if case is None:  # not routed yet: the consumer retries, the case is on its way
        raise LookupError(f"{event.type} for unknown case {event.case_id}")
    if data.text is None or await session.get(BoardMessage, data.message_id) is not None:
        return
    session.add(
        BoardMessage(
            id=data.message_id,
            unit_code=case.unit_code,
            case_id=case.id,
            tracking_code=case.tracking_code,
            case_kind=case.kind,
            text=data.text,
            at=event.time,
        )
    )


# The board's part of these events, each calling the case's own handler (workflow's, queues')
# where the event is a case's: in routing's one table (app.py), they take those handlers' place.
HANDLERS: dict[str, DepsHandler[RoutingDeps]] = {
    DeadlineSet.type: on_deadline_set,
    CaseSubmitted.type: on_case_submitted,
    CaseMessageAdded.type: on_message_added,
}
