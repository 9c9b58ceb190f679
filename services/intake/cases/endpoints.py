from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse

from services.intake.actions.service import AppealPoliciesDep
from services.intake.cases import repository
from services.intake.cases.schemas import CaseCreate, CaseCreated, CasePublic
from services.intake.cases.secrets import (
    Cipher,
    normalise_tracking_code,
    token_matches,
)
from services.intake.cases.service import submit_case
from services.intake.cases.view import build_view
from services.intake.categories.registry import CategoriesDep
from services.intake.limits.buckets import RateLimitsDep
from services.intake.units.boundaries import Boundaries
from shared.context import optional_part
from shared.db import DbSession, SnapshotSession
from shared.errors import (
    Conflict,
    NotFound,
    TooManyRequests,
    Unprocessable,
    problem_responses,
)
from shared.geography import AdminMapDep
from shared.kernel import OutboxDep, SettingsDep

router = APIRouter(prefix="/v1/cases", tags=["cases"])


@router.post(
    "",
    status_code=201,
    response_model=CaseCreated,
    responses=problem_responses(Conflict, Unprocessable, TooManyRequests),
)
async def file_case(
    outbox: OutboxDep,
    admin_map: AdminMapDep,
    cipher: Cipher,
    categories: CategoriesDep,
    limits: RateLimitsDep,
    settings: SettingsDep,
    body: CaseCreate,
    request: Request,
    session: DbSession,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> JSONResponse:
    """File a complaint, denunciation, petition, feedback or dialogue request."""
    app = request.app
    status, created = await submit_case(
        session,
        body,
        outbox=outbox,
        admin_map=admin_map,
        cipher=cipher,
        categories=categories,
        idempotency_key=idempotency_key,
        contact_limiter=limits["contact"],
        boundaries=optional_part(app, Boundaries),
        idempotency_ttl=timedelta(hours=settings.idempotency_ttl_hours),
    )
    return JSONResponse(
        created,
        status_code=status,
        headers={"Location": f"/v1/cases/{created['tracking_code']}"},
    )


@router.get("/{tracking_code}", response_model=CasePublic, responses=problem_responses(NotFound))
async def view_case(
    tracking_code: str,
    appeal_policies: AppealPoliciesDep,
    cipher: Cipher,
    response: Response,
    session: SnapshotSession,
    x_case_token: Annotated[str | None, Header()] = None,
) -> CasePublic:
    """The case's public view; with `X-Case-Token` the citizen's full view."""
    # The answer depends on the token: no cache may give one view for the other, and the
    # full view (the citizen's identity, the conversation) is stored by none.
    response.headers["Vary"] = "X-Case-Token"
    if x_case_token is not None:
        response.headers["Cache-Control"] = "no-store"
    case = await repository.by_tracking_code(session, normalise_tracking_code(tracking_code))
    if case is None:
        raise NotFound(f"no case with tracking code {tracking_code}")
    full = x_case_token is not None and token_matches(x_case_token, case.access_token_hash)
    policy = appeal_policies.get(case.kind)
    return await build_view(
        session,
        case,
        full=full,
        cipher=cipher,
        court=policy.court if policy else None,
    )
