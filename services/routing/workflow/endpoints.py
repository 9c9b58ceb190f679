"""The officials' steps on a case, one command endpoint each (api.md)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.routing.access import require_act, require_read, sees_content
from services.routing.cases import machine
from services.routing.cases.models import RoutedCase
from services.routing.cases.repository import lock_case
from services.routing.units.registry import Units
from services.routing.workflow import dialogues, repository, schemas, suspensions
from services.routing.workflow.commands import Workflow
from services.routing.workflow.denunciations import mark_several_places
from services.routing.workflow.late_appeals import REFUSAL_GROUND, decide_late_appeal
from services.routing.workflow.law import Law
from services.routing.workflow.service import Applied
from shared.auth import CurrentPrincipal
from shared.db import DbSession
from shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    Unprocessable,
    problem_responses,
)
from shared.kernel import OutboxDep

router = APIRouter(
    prefix="/v1/cases",
    tags=["workflow"],
    responses=problem_responses(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable),
)


async def _case_for_step(
    case_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal
) -> RoutedCase:
    case = await lock_case(session, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    require_act(principal, case)
    return case


def _workflow(outbox: OutboxDep, law: Law, units: Units) -> Workflow:
    return Workflow(outbox, law, units)


LockedCase = Annotated[RoutedCase, Depends(_case_for_step)]
Flow = Annotated[Workflow, Depends(_workflow)]


def _done(case: RoutedCase, applied: Applied) -> schemas.StepDone:
    return schemas.StepDone(
        case_id=case.id,
        step=applied.step.value,
        status=case.status,
        public_status=machine.public(case.status),
        unit_code=case.unit_code,
        kind=case.kind,
        assignee=case.assignee,
        version=case.version,
        allowed=machine.allowed(case.status),
        event_id=applied.event_id,
        dialogue_id=applied.extra.get("dialogue_id"),
        message_id=applied.extra.get("message_id"),
    )


@router.post("/{case_id}/accept", response_model=schemas.StepDone)
async def accept(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.AcceptCommand | None = None,
) -> schemas.StepDone:
    """Accept the case for handling (thụ lý)."""
    body = body or schemas.AcceptCommand()
    return _done(case, await flow.accept(session, case, principal.sub, body))


@router.post("/{case_id}/reject", response_model=schemas.StepDone)
async def reject(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.RejectCommand,
) -> schemas.StepDone:
    """Refuse to accept, on a legal ground from `GET /v1/workflow/grounds`."""
    return _done(case, await flow.reject(session, case, principal.sub, body))


@router.post("/{case_id}/transfer", response_model=schemas.StepDone)
async def transfer(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.TransferCommand,
) -> schemas.StepDone:
    """Forward the case to the competent unit."""
    return _done(case, await flow.transfer(session, case, principal.sub, body))


@router.post("/{case_id}/assign", response_model=schemas.StepDone)
async def assign(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.AssignCommand,
) -> schemas.StepDone:
    """Give the case to an official of the unit."""
    return _done(case, await flow.assign(session, case, principal.sub, body))


@router.post("/{case_id}/request-info", response_model=schemas.StepDone)
async def request_info(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.RequestInfoCommand,
) -> schemas.StepDone:
    """Ask the citizen for more; the citizen's answer resumes the case."""
    return _done(case, await flow.request_info(session, case, principal.sub, body))


@router.post("/{case_id}/messages", response_model=schemas.StepDone)
async def add_message(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.MessageCommand,
) -> schemas.StepDone:
    """Write on the case's conversation: an internal note, or a message to the citizen."""
    return _done(case, await flow.message(session, case, principal.sub, body))


@router.post("/{case_id}/extend", response_model=schemas.StepDone)
async def extend(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.ExtendCommand,
) -> schemas.StepDone:
    """Extend the resolution period of a complex case, as far as the law allows for its kind."""
    return _done(case, await flow.extend(session, case, principal.sub, body))


@router.post("/{case_id}/dialogues", response_model=schemas.StepDone)
async def schedule_dialogue(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.DialogueCommand,
) -> schemas.StepDone:
    """Schedule a dialogue or reception session."""
    return _done(
        case, await dialogues.schedule(session, flow.outbox, flow.law, case, principal.sub, body)
    )


@router.post("/{case_id}/dialogues/{dialogue_id}/minutes", response_model=schemas.StepDone)
async def record_minutes(
    dialogue_id: uuid.UUID,
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.MinutesCommand,
) -> schemas.StepDone:
    """Record the minutes of a session that took place."""
    applied = await dialogues.record_minutes(
        session, flow.outbox, case, principal.sub, dialogue_id, body
    )
    return _done(case, applied)


@router.post("/{case_id}/resolve", response_model=schemas.StepDone)
async def resolve(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.ResolveCommand,
) -> schemas.StepDone:
    """Resolve: the decision or conclusion, and whether it is published."""
    return _done(case, await flow.resolve(session, case, principal.sub, body))


@router.post("/{case_id}/late-appeal", response_model=schemas.StepDone)
async def late_appeal(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.LateAppealCommand,
) -> schemas.StepDone:
    """Decide on a late appeal's stated reason (Luật Khiếu nại 2011, Điều 9 khoản 2): accepted,
    the case goes on; refused, it is not accepted (Điều 11 khoản 6)."""
    applied = await decide_late_appeal(session, flow.outbox, case, principal.sub, body)
    if body.decision == "refuse":
        note = f"Lý do khiếu nại quá hạn không được chấp nhận: {body.reason}"
        refusal = schemas.RejectCommand(reason=REFUSAL_GROUND, note=note[:2000])
        applied = await flow.reject(session, case, principal.sub, refusal)
    return _done(case, applied)


@router.post("/{case_id}/several-places", response_model=schemas.StepDone)
async def several_places(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.SeveralPlacesCommand,
) -> schemas.StepDone:
    """Mark a denunciation as checked in several places, with the reason: 10 working days to
    classify instead of 7 (Luật Tố cáo 2018, Điều 24), marked within the first 7."""
    return _done(case, await mark_several_places(session, flow.outbox, case, principal.sub, body))


@router.post("/{case_id}/delivery", response_model=schemas.StepDone)
async def record_delivery(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.DeliveryCommand,
) -> schemas.StepDone:
    """Record the day the complainant received the decision: it starts the appeal window."""
    return _done(case, await flow.record_delivery(session, case, principal.sub, body))


@router.post("/{case_id}/close", response_model=schemas.StepDone)
async def close(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.CloseCommand | None = None,
) -> schemas.StepDone:
    """Close a resolved case."""
    return _done(
        case, await flow.close(session, case, principal.sub, body or schemas.CloseCommand())
    )


@router.post("/{case_id}/reclassify", response_model=schemas.StepDone)
async def reclassify(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.ReclassifyCommand,
) -> schemas.StepDone:
    """Change the case's kind, with the reason recorded. A denunciation never becomes another
    kind (409): its confidentiality is the denouncer's (Luật Tố cáo 2018, Điều 8, 47)."""
    return _done(case, await flow.reclassify(session, case, principal.sub, body))


@router.post("/{case_id}/suspend", response_model=schemas.StepDone)
async def suspend(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.SuspendCommand,
) -> schemas.StepDone:
    """Suspend the handling (tạm đình chỉ): the clock stops."""
    return _done(case, await suspensions.suspend(session, flow.outbox, case, principal.sub, body))


@router.post("/{case_id}/resume", response_model=schemas.StepDone)
async def resume(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.ResumeCommand | None = None,
) -> schemas.StepDone:
    """Continue a suspended case, or one waiting for the citizen's information."""
    body = body or schemas.ResumeCommand()
    return _done(case, await suspensions.resume(session, flow.outbox, case, principal.sub, body))


@router.post("/{case_id}/suspension-notice", response_model=schemas.StepDone)
async def suspension_notice(
    case: LockedCase,
    session: DbSession,
    flow: Flow,
    principal: CurrentPrincipal,
    body: schemas.SuspensionNoticeCommand,
) -> schemas.StepDone:
    """Record the day the suspension decision was sent to the parties (Luật Tố cáo 2018, Điều
    34: within 5 working days of its date), once per suspension."""
    applied = await suspensions.record_suspension_notice(
        session, flow.outbox, case, principal.sub, body
    )
    return _done(case, applied)


@router.get("/{case_id}/messages", response_model=schemas.MessagePage)
async def messages(
    case_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal
) -> schemas.MessagePage:
    """The case's conversation, oldest first."""
    case = await session.get(RoutedCase, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    require_read(principal, case)
    if not sees_content(principal, case):
        raise Forbidden("a denunciation's conversation is withheld from supervisors")
    conversation = await repository.messages(session, case.id)
    return schemas.MessagePage(
        items=[schemas.MessageRead.model_validate(m, from_attributes=True) for m in conversation]
    )


grounds_router = APIRouter(prefix="/v1/workflow", tags=["workflow"])


@grounds_router.get("/grounds", response_model=list[schemas.GroundRead])
async def grounds(law: Law) -> list[schemas.GroundRead]:
    """The legal grounds on which a case may be refused, with the law and article."""
    return [
        schemas.GroundRead(
            code=g.code, law=g.law, article=g.article, kinds=sorted(g.kinds), text=g.text
        )
        for g in law.grounds.values()
    ]
