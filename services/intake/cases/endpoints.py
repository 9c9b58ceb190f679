from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from services.intake.cases import repository
from services.intake.cases.schemas import (
    CaseCreate,
    CaseCreated,
    CaseKind,
    CasePublic,
    DeadlineRead,
    TimelineRead,
    UnitRef,
)
from services.intake.cases.secrets import normalise_tracking_code, token_matches
from services.intake.cases.service import submit_case
from shared.db import DbSession
from shared.errors import Conflict, NotFound, Unprocessable, problem_responses

router = APIRouter(prefix="/v1/cases", tags=["cases"])


@router.post(
    "",
    status_code=201,
    response_model=CaseCreated,
    responses=problem_responses(Conflict, Unprocessable),
)
async def file_case(
    body: CaseCreate,
    request: Request,
    session: DbSession,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> JSONResponse:
    """File a complaint, denunciation, petition, feedback or dialogue request."""
    state = request.app.state
    status, created = await submit_case(
        session,
        body,
        outbox=state.outbox,
        admin_map=state.admin_map,
        cipher=state.identity_cipher,
        idempotency_key=idempotency_key,
    )
    return JSONResponse(
        created,
        status_code=status,
        headers={"Location": f"/v1/cases/{created['tracking_code']}"},
    )


@router.get("/{tracking_code}", response_model=CasePublic, responses=problem_responses(NotFound))
async def view_case(
    tracking_code: str,
    session: DbSession,
    x_case_token: Annotated[str | None, Header()] = None,
) -> CasePublic:
    """The case's public view; with `X-Case-Token` the citizen's full view."""
    case = await repository.by_tracking_code(session, normalise_tracking_code(tracking_code))
    if case is None:
        raise NotFound(f"no case with tracking code {tracking_code}")
    full = x_case_token is not None and token_matches(x_case_token, case.access_token_hash)
    deadlines = [
        DeadlineRead(kind=d.kind, due_at=d.due_at, state=d.state, basis=d.basis)
        for d in await repository.deadlines(session, case.id)
    ]
    view = CasePublic(
        tracking_code=case.tracking_code,
        kind=CaseKind(case.kind),
        status=case.status,
        submitted_at=case.submitted_at,
        deadlines=deadlines,
    )
    if case.kind == CaseKind.denunciation and not full:
        return view  # a denunciation's public view: status and deadlines only
    view.category = case.category
    if case.unit_code and case.unit_name:
        view.unit = UnitRef(code=case.unit_code, name=case.unit_name)
    view.timeline = [
        TimelineRead(status=t.status, step=t.step, at=t.at, note=t.note)
        for t in await repository.timeline(session, case.id)
    ]
    if full:
        view.title, view.description = case.title, case.description
    return view
