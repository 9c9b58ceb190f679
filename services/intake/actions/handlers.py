"""Keeping the citizen's conversation current: the unit's messages to the citizen."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.actions.models import CaseMessage
from services.intake.cases import repository
from shared.events import CaseMessageAdded, Envelope
from shared.messaging.consumer import DepsHandler


async def on_message_added(session: AsyncSession, event: Envelope, deps: object) -> None:
    data = event.parse(CaseMessageAdded)
    if data.visibility != "citizen" or not data.text:
        return  # internal notes never reach intake's view
    if await session.get(CaseMessage, data.message_id) is not None:
        return  # ours (written when the citizen posted it), or a replay
    if await repository.for_update(session, event.case_id) is None:
        raise LookupError(f"case.message_added for unknown case {event.case_id}")
    session.add(
        CaseMessage(
            id=data.message_id,
            case_id=event.case_id,
            author=data.author,
            text=data.text,
            at=event.time,
        )
    )


HANDLERS: dict[str, DepsHandler[object]] = {CaseMessageAdded.type: on_message_added}
