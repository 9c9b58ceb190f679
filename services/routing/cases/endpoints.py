from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.routing.access import require_read, sees_content
from services.routing.cases import machine, repository
from services.routing.cases.models import RoutedCase
from services.routing.cases.schemas import History, OfficialCaseRead, StepRead
from shared.auth import CurrentPrincipal
from shared.db import DbSession
from shared.errors import Forbidden, NotFound, Unauthorized, problem_responses

router = APIRouter(
    prefix="/v1/cases",
    tags=["cases"],
    responses=problem_responses(Unauthorized, Forbidden, NotFound),
)


async def _case_from_path(
    case_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal
) -> RoutedCase:
    case = await session.get(RoutedCase, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    require_read(principal, case)
    return case


CaseFromPath = Annotated[RoutedCase, Depends(_case_from_path)]


@router.get("/{case_id}", response_model=OfficialCaseRead)
async def official_view(case: CaseFromPath, principal: CurrentPrincipal) -> OfficialCaseRead:
    """The official's view of a case in their unit."""
    view = OfficialCaseRead.model_validate(case, from_attributes=True)
    view.allowed = machine.allowed(case.status)
    view.public_status = machine.public(case.status)
    if not sees_content(principal, case):
        withheld = "(withheld from supervisors: a denunciation's content)"
        view.title = view.description = withheld
    return view


@router.get("/{case_id}/history", response_model=History)
async def history(case: CaseFromPath, session: DbSession, principal: CurrentPrincipal) -> History:
    """The audit trail: every step, who, when, why."""
    steps = await repository.history(session, case.id)
    items = [StepRead.model_validate(s, from_attributes=True) for s in steps]
    if not sees_content(principal, case):
        # Supervisors follow the steps and their timing, never a denunciation's reasons.
        items = [i.model_copy(update={"reason": None, "data": None}) for i in items]
    return History(items=items)
