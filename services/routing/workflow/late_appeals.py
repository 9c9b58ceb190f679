"""A late appeal with a stated reason (Luật Khiếu nại 2011 Điều 9 khoản 2: illness, disaster,
work or study far away, other objective obstacles; the time lost is not counted) is opened at
the superior, flagged; the official decides on the reason, a step with its legal basis, before
the case is accepted. Refused, the case is not accepted on Điều 11 khoản 6 (time limit passed
without a justified reason)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases import machine
from services.routing.cases.machine import Step
from services.routing.cases.models import RoutedCase
from services.routing.workflow import repository, schemas
from services.routing.workflow.appeals import LATE_APPEAL_FLAG
from services.routing.workflow.service import Applied, apply_step
from shared.errors import Conflict
from shared.messaging.outbox import Outbox

BASIS = "Luật Khiếu nại 2011, Điều 9 khoản 2"
REFUSAL_GROUND = "KN11.6"  # Điều 11 khoản 6: thời hiệu đã hết mà không có lý do chính đáng


async def pending_late_appeal(session: AsyncSession, case: RoutedCase) -> bool:
    """A late appeal's reason stated and not yet decided on."""
    steps = await repository.steps_taken(
        session, case.id, (LATE_APPEAL_FLAG, Step.late_appeal.value)
    )
    return LATE_APPEAL_FLAG in steps and Step.late_appeal.value not in steps


def refuse_to_accept_first(case: RoutedCase) -> Conflict:
    return Conflict(
        "the appeal came after its window with a stated reason: decide on the reason first "
        "(POST .../late-appeal)",
        rule=BASIS,
        allowed=machine.allowed(case.status),
    )


async def decide_late_appeal(
    session: AsyncSession,
    outbox: Outbox,
    case: RoutedCase,
    actor: str,
    body: schemas.LateAppealCommand,
) -> Applied:
    machine.target(case.status, Step.late_appeal)
    if not await pending_late_appeal(session, case):
        raise Conflict(
            "this case has no late appeal waiting for a decision", rule=BASIS, allowed=[]
        )
    verdict = "chấp nhận" if body.decision == "accept" else "không chấp nhận"
    return await apply_step(
        session,
        outbox,
        case,
        Step.late_appeal,
        actor=actor,
        reason=f"Lý do khiếu nại quá hạn: {verdict} ({BASIS}). {body.reason}",
        data={"decision": body.decision, "basis": BASIS},
    )
