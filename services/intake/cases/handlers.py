"""Keeping the citizen's view current from routing's and notification's events.

Events may arrive twice (the consumer drops the second) or, across producers, out of order:
a status is applied only if its event is newer than the one that set the current status.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.cases import repository
from services.intake.cases.models import CaseDeadline, TimelineEntry
from shared.events import CASE_ROUTED, DEADLINE_SET, CaseRouted, DeadlineSet, Envelope
from shared.messaging.consumer import Handler


async def on_case_routed(session: AsyncSession, event: Envelope) -> None:
    data = event.parse(CaseRouted)
    case = await repository.for_update(session, event.case_id)
    if case is None:
        raise LookupError(f"case.routed for unknown case {event.case_id}")
    if event.time >= case.status_at:
        case.status, case.status_at = "routed", event.time
        case.unit_code, case.unit_name = data.unit_code, data.unit_name
    session.add(
        TimelineEntry(
            event_id=event.id,
            case_id=case.id,
            at=event.time,
            status="routed",
            step="routed",
            note=f"{data.unit_name}: {data.reason}",
        )
    )


async def on_deadline_set(session: AsyncSession, event: Envelope) -> None:
    data = event.parse(DeadlineSet)
    deadline = await session.get(CaseDeadline, data.deadline_id)
    if deadline is None:
        session.add(
            CaseDeadline(
                id=data.deadline_id,
                case_id=event.case_id,
                kind=data.kind,
                due_at=data.due_at,
                state=data.state,
                basis=data.basis,
                updated_by_event_at=event.time,
            )
        )
    elif event.time >= deadline.updated_by_event_at:
        deadline.due_at, deadline.state = data.due_at, data.state
        deadline.updated_by_event_at = event.time


HANDLERS: dict[str, Handler] = {
    CASE_ROUTED: on_case_routed,
    DEADLINE_SET: on_deadline_set,
}
