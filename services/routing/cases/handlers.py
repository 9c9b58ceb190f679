from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.decide import decide
from services.routing.cases.models import CaseStep, RoutedCase
from shared.events import (
    CASE_ROUTED,
    CASE_SUBMITTED,
    CaseRouted,
    CaseSubmitted,
    Envelope,
    new_event,
)
from shared.geography import AdminMap
from shared.messaging.consumer import Handler
from shared.messaging.outbox import Outbox

SOURCE = "routing"
SOURCE_ACTOR = "system:routing"


def make_handlers(outbox: Outbox, admin_map: AdminMap) -> dict[str, Handler]:
    async def on_case_submitted(session: AsyncSession, event: Envelope) -> None:
        if await session.get(RoutedCase, event.case_id) is not None:
            return  # already routed (a replay under another event id)
        submitted = event.parse(CaseSubmitted)
        decision = decide(submitted, admin_map)
        now = datetime.now(UTC)
        session.add(
            RoutedCase(
                id=event.case_id,
                tracking_code=submitted.tracking_code,
                kind=submitted.kind,
                title=submitted.title,
                description=submitted.description,
                category=submitted.category,
                location_unit_code=submitted.location.unit_code,
                unit_code=decision.unit_code,
                province_code=decision.province_code,
                status="routed",
                received_at=submitted.submitted_at,
                rule=decision.rule,
                reason=decision.reason,
            )
        )
        routed = new_event(
            CASE_ROUTED,
            source=SOURCE,
            case_id=event.case_id,
            at=now,
            data=CaseRouted(
                tracking_code=submitted.tracking_code,
                kind=submitted.kind,
                received_at=submitted.submitted_at,
                unit_code=decision.unit_code,
                unit_name=decision.unit_name,
                province_code=decision.province_code,
                rule=decision.rule,
                reason=decision.reason,
                actor=SOURCE_ACTOR,
                public_note=decision.reason,
            ),
        )
        session.add(
            CaseStep(
                case_id=event.case_id,
                step="routed",
                actor=SOURCE_ACTOR,
                at=now,
                from_status="submitted",
                to_status="routed",
                reason=decision.reason,
                data={"rule": decision.rule, "unit_code": decision.unit_code},
                event_id=routed.id,
            )
        )
        await outbox.add(session, routed)

    return {CASE_SUBMITTED: on_case_submitted}
