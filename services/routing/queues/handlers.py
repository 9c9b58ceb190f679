"""Notification's clocks, kept on routing's cases for the work queues and escalations."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.repository import lock_case
from services.routing.queues import repository
from shared.events import DeadlineBreached, DeadlineSet, Envelope
from shared.messaging.consumer import DepsHandler


async def on_deadline_set(session: AsyncSession, event: Envelope, deps: object) -> None:
    """Keep the clock and set the case's due time: two statements for every clock of every
    case, no case loaded (the merge locks the case's row; the update reads its status)."""
    data = event.parse(DeadlineSet)
    clock = {
        "deadline_id": data.deadline_id,
        "case_id": event.case_id,
        "kind": data.kind,
        "due_at": data.due_at,
        "state": data.state,
        "announced_at": event.time,
    }
    if not await repository.merge_clock(session, clock):
        return  # a case routing never held (or not yet), or an older announcement
    await repository.set_due(session, event.case_id)


async def on_deadline_breached(session: AsyncSession, event: Envelope, deps: object) -> None:
    data = event.parse(DeadlineBreached)
    case = await lock_case(session, event.case_id)
    if case is None:
        return
    escalated = set(case.escalated_to or []) | set(data.escalated_to)
    if escalated != set(case.escalated_to or []):
        case.escalated_to = sorted(escalated)


HANDLERS: dict[str, DepsHandler[object]] = {
    DeadlineSet.type: on_deadline_set,
    DeadlineBreached.type: on_deadline_breached,
}
