"""FixMyStreet's Open311 updates extension (`servicerequestupdates`): the public steps of
requests since a time, and a client's comment on a request it filed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.actions.service import add_message
from services.intake.cases import repository
from services.intake.open311 import repository as open311
from services.intake.open311.service import (
    LISTED_KINDS,
    MAX_ROWS,
    Open311Error,
    open_or_closed,
    window,
)
from shared.confidential import public_note
from shared.messaging.outbox import Outbox

# The step names of the timeline, as a person reads them when a step carries no note.
STEPS = {
    "received": "Đã tiếp nhận",
    "routed": "Đã chuyển đến cơ quan có thẩm quyền",
    "accepted": "Đã thụ lý",
    "resolved": "Đã giải quyết",
    "closed": "Đã đóng",
    "withdrawn": "Đã rút",
    "rejected": "Không thụ lý",
}


async def updates_between(
    session: AsyncSession, start: datetime | None, end: datetime | None
) -> list[dict[str, Any]]:
    """Each status step of a listed request in the window, oldest first."""
    start, end = window(start, end)
    rows = await open311.steps_between(session, LISTED_KINDS, start, end, MAX_ROWS)
    return [
        {
            "update_id": str(entry.event_id),
            "service_request_id": code,
            "status": open_or_closed(entry.status or ""),
            "updated_datetime": entry.at.isoformat(),
            # The same public note as the timeline's (a resolution's summary never).
            "description": public_note(entry.step, entry.note) or STEPS.get(entry.step, entry.step),
            "media_url": None,
        }
        for entry, code in rows
    ]


async def comment(
    session: AsyncSession,
    outbox: Outbox,
    *,
    service_request_id: str,
    description: str,
    media_url: str | None,
) -> str:
    """A client's comment on a request it filed: a message from the citizen on the case. The
    citizen's status is not the case's: only the responsible unit changes that."""
    found = await repository.by_tracking_code(session, service_request_id.strip().upper())
    # Only requests filed through Open311: a tracking code alone must not let a third party
    # write into anyone's case.
    if found is None or found.kind not in LISTED_KINDS or found.channel != "open311":
        raise Open311Error(404, f"no service request {service_request_id} filed through Open311")
    case = await repository.for_update(session, found.id)
    assert case is not None
    text = description if not media_url else f"{description}\n\nẢnh: {media_url}"
    message = await add_message(session, case, text[:4000], outbox)
    return str(message.id)
