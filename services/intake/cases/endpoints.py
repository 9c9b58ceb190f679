from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from services.intake.cases.schemas import CaseCreate, CaseCreated
from services.intake.cases.secrets import (
    Cipher,
)
from services.intake.cases.service import submit_case
from services.intake.categories.registry import CategoriesDep
from services.intake.limits.buckets import RateLimitsDep
from services.intake.units.boundaries import Boundaries
from shared.context import optional_part
from shared.db import DbSession
from shared.errors import (
    Conflict,
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
