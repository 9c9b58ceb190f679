"""Every step of a supervision is audited (supervision_steps) and, when it is news, announced in
the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import SOURCE
from services.routing.supervision.models import SupervisionStep
from shared.events import EventData, new_event
from shared.messaging.outbox import Outbox


async def audit(
    session: AsyncSession,
    outbox: Outbox,
    supervision_id: uuid.UUID | None,
    action: str,
    actor: str,
    at: datetime,
    data: dict[str, Any] | None = None,
    event: EventData | None = None,
    *,
    recommendation_id: uuid.UUID | None = None,
) -> None:
    # Events are keyed by the supervision (one supervision's events in order); a
    # recommendation on a single case is its own aggregate, keyed by its id.
    key = supervision_id or recommendation_id
    assert key is not None
    envelope = None
    if event is not None:
        envelope = new_event(event.type, source=SOURCE, case_id=key, at=at, data=event)
    session.add(
        SupervisionStep(
            supervision_id=supervision_id,
            recommendation_id=recommendation_id,
            action=action,
            actor=actor,
            at=at,
            data=data,
            event_id=envelope.id if envelope else None,
        )
    )
    await session.flush()
    if envelope is not None:
        await outbox.add(session, envelope)
