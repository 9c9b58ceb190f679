"""A denunciation's own steps before acceptance: checking it in several places.

Luật Tố cáo 2018 Điều 24: the receiver classifies a denunciation and decides on acceptance
within 7 working days, 10 if it must be checked in several places. The resolver marks it so,
with the reason, while the 7 working days still run (routing knows their end from
notification's clock); notification recomputes the classification clock with its
several-places period.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases import machine
from services.routing.cases.machine import Step
from services.routing.cases.models import RoutedCase
from services.routing.workflow import repository, schemas
from services.routing.workflow.service import Applied, apply_step
from shared import events as ev
from shared.errors import Conflict
from shared.messaging.outbox import Outbox

BASIS = "Luật Tố cáo 2018, Điều 24: xác minh ở nhiều địa điểm, 10 ngày làm việc"


async def mark_several_places(
    session: AsyncSession,
    outbox: Outbox,
    case: RoutedCase,
    actor: str,
    body: schemas.SeveralPlacesCommand,
) -> Applied:
    machine.target(case.status, Step.several_places)
    if case.kind != "denunciation":
        raise Conflict(
            f"only a denunciation's classification is extended for several places, not a "
            f"{case.kind}'s",
            rule=BASIS,
            allowed=machine.allowed(case.status),
        )
    done = await repository.first_taken_at(session, case.id, Step.several_places.value)
    if done is not None:
        raise Conflict("already marked as checked in several places", rule=BASIS, allowed=[])
    # The unit's current classification clock (running, or breached once its days ran out).
    due = await repository.classification_due(session, case.id)
    now = datetime.now(UTC)
    if due is not None and due < now:
        raise Conflict(
            f"the 7 working days to classify ended at {due.isoformat()}: it is marked within them",
            rule=BASIS,
            allowed=machine.allowed(case.status),
        )
    return await apply_step(
        session,
        outbox,
        case,
        Step.several_places,
        actor=actor,
        now=now,
        event=ev.CaseExtended,
        event_fields={"complexity": "several_places", "reason": body.reason},
        public_note="Xác minh ở nhiều địa điểm: thời hạn phân loại 10 ngày làm việc",
        reason=body.reason,
        data={"complexity": "several_places", "basis": BASIS},
    )
