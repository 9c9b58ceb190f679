from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select

from services.routing.cases.models import CaseStep, RoutedCase
from services.routing.cases.schemas import History, OfficialCaseRead, StepRead
from shared.auth import CurrentPrincipal, Role, require_unit_access
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
    require_unit_access(principal, case.unit_code, parent_code=case.province_code)
    return case


CaseFromPath = Annotated[RoutedCase, Depends(_case_from_path)]


@router.get("/{case_id}", response_model=OfficialCaseRead)
async def official_view(case: CaseFromPath, principal: CurrentPrincipal) -> OfficialCaseRead:
    """The official's view of a case in their unit."""
    view = OfficialCaseRead.model_validate(case, from_attributes=True)
    if principal.role is Role.supervisor and case.kind == "denunciation":
        view.description = "(withheld from supervisors: a denunciation's content)"
    return view


@router.get("/{case_id}/history", response_model=History)
async def history(case: CaseFromPath, session: DbSession, _: CurrentPrincipal) -> History:
    """The audit trail: every step, who, when, why."""
    rows = await session.execute(
        select(CaseStep).where(CaseStep.case_id == case.id).order_by(CaseStep.id)
    )
    return History(items=[StepRead.model_validate(s, from_attributes=True) for s in rows.scalars()])
