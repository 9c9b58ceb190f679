"""The citizen's acts (from intake) and the clocks (from notification), applied to the case.

Every handler reloads and locks the case and returns quietly when the work is done or the
state no longer allows it: the consumer's processed-event record is the first guard, the
state the second.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import CITIZEN, SOURCE, SYSTEM_ACTOR
from services.routing.cases.models import RoutedCase
from services.routing.units.registry import UnitRegistry
from services.routing.workflow import machine
from services.routing.workflow.appeals import open_second_time
from services.routing.workflow.machine import Step
from services.routing.workflow.models import CaseMessage
from services.routing.workflow.service import apply_step, lock_case
from shared import events as ev
from shared.events import CaseStatus, Envelope
from shared.messaging.consumer import Handler
from shared.messaging.outbox import Outbox

log = logging.getLogger(__name__)


def make_workflow_handlers(outbox: Outbox, units: UnitRegistry) -> dict[str, Handler]:
    async def on_withdrawn(session: AsyncSession, event: Envelope) -> None:
        case = await lock_case(session, event.case_id)
        if case is None or not machine.can(case.status, Step.withdraw):
            return
        data = event.parse(ev.CaseWithdrawn)
        # Intake already announced it (case.withdrawn); routing records it, emits nothing.
        await apply_step(
            session,
            outbox,
            case,
            Step.withdraw,
            actor=CITIZEN,
            reason=data.reason,
            now=event.time,
            data={"event_id": str(event.id)},
        )

    async def on_rated(session: AsyncSession, event: Envelope) -> None:
        case = await lock_case(session, event.case_id)
        if case is None or not machine.can(case.status, Step.rate) or case.rating_score:
            return
        data = event.parse(ev.CaseRated)
        case.rating_score, case.rating_comment = data.score, data.comment
        await apply_step(
            session,
            outbox,
            case,
            Step.rate,
            actor=CITIZEN,
            reason=data.comment,
            now=event.time,
            data={"score": data.score},
        )

    async def on_message_added(session: AsyncSession, event: Envelope) -> None:
        data = event.parse(ev.CaseMessageAdded)
        if event.source == SOURCE or data.author != CITIZEN:
            return  # our own officials' messages, already in the conversation
        case = await lock_case(session, event.case_id)
        if case is None or await session.get(CaseMessage, data.message_id) is not None:
            return
        session.add(
            CaseMessage(
                id=data.message_id,
                case_id=case.id,
                author=CITIZEN,
                visibility=data.visibility,
                text=data.text,
                actor=CITIZEN,
                at=event.time,
            )
        )
        if case.status == CaseStatus.info_requested:
            # The citizen answered what was asked: the handling continues where it was.
            await apply_step(
                session,
                outbox,
                case,
                Step.resume,
                actor=SYSTEM_ACTOR,
                event=ev.CaseResumed,
                public_note="Đã nhận thông tin bổ sung; tiếp tục giải quyết",
                reason="the citizen answered the request for information",
                data={"message_id": str(data.message_id)},
            )

    async def on_appealed(session: AsyncSession, event: Envelope) -> None:
        data = event.parse(ev.CaseAppealed)
        first = await lock_case(session, event.case_id)
        if first is None:
            raise LookupError(f"case.appealed for unknown case {event.case_id}")
        if machine.can(first.status, Step.appeal):
            await apply_step(
                session,
                outbox,
                first,
                Step.appeal,
                actor=CITIZEN,
                reason=data.reason,
                now=event.time,
                data={
                    "new_case_id": str(data.new_case_id),
                    "new_tracking_code": data.new_tracking_code,
                },
            )
        elif first.status != CaseStatus.appealed:
            log.warning("appeal of a case that is %s: recorded, not reopened", first.status)
            return
        if first.kind != "complaint" or first.appeal_of is not None:
            return  # only a first-time complaint becomes a second-time one
        if await session.get(RoutedCase, data.new_case_id) is not None:
            return
        await open_second_time(
            session,
            outbox,
            units,
            first,
            new_case_id=data.new_case_id,
            new_tracking_code=data.new_tracking_code,
            reason=data.reason,
            received_at=event.time,
            at=datetime.now(UTC),
            late_reason=data.late_reason,
        )

    return {
        ev.CaseWithdrawn.type: on_withdrawn,
        ev.CaseRated.type: on_rated,
        ev.CaseMessageAdded.type: on_message_added,
        ev.CaseAppealed.type: on_appealed,
    }
