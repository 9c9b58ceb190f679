from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from services.intake.actions import service
from services.intake.actions.schemas import (
    AppealCreate,
    AppealCreated,
    MessageCreate,
    MessageCreated,
    RatingCreate,
    StatusChanged,
    WithdrawCreate,
)
from services.intake.actions.service import AppealPoliciesDep
from shared.db import DbSession
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable, problem_responses
from shared.events import LateReason
from shared.kernel import OutboxDep

router = APIRouter(prefix="/v1/cases/{tracking_code}", tags=["citizen actions"])
TOKEN = Annotated[str | None, Header(alias="X-Case-Token")]
PROBLEMS = problem_responses(Forbidden, NotFound, Conflict, Unprocessable)


@router.post("/messages", status_code=201, response_model=MessageCreated, responses=PROBLEMS)
async def add_message(
    tracking_code: str,
    body: MessageCreate,
    outbox: OutboxDep,
    session: DbSession,
    token: TOKEN = None,
) -> MessageCreated:
    """The citizen adds information to their case; with `"to": "board"`, writes instead to
    the people's inspection board of the case's unit about how the case is handled."""
    case = await service.citizen_case(session, tracking_code, token)
    outbox = outbox
    message = await service.add_message(session, case, body.text, outbox, to=body.to)
    return MessageCreated(id=message.id, at=message.at)


@router.post("/withdraw", response_model=StatusChanged, responses=PROBLEMS)
async def withdraw(
    tracking_code: str,
    outbox: OutboxDep,
    session: DbSession,
    body: WithdrawCreate | None = None,
    token: TOKEN = None,
) -> StatusChanged:
    """The citizen withdraws the case (possible until it is resolved or rejected)."""
    case = await service.citizen_case(session, tracking_code, token)
    await service.withdraw(session, case, body.reason if body else None, outbox)
    return StatusChanged(tracking_code=case.tracking_code, status=case.status, at=case.status_at)


@router.post("/rating", status_code=201, response_model=StatusChanged, responses=PROBLEMS)
async def rate(
    tracking_code: str,
    body: RatingCreate,
    outbox: OutboxDep,
    session: DbSession,
    token: TOKEN = None,
) -> StatusChanged:
    """The citizen rates the answer, 1 to 5, once the case is resolved."""
    case = await service.citizen_case(session, tracking_code, token)
    await service.rate(session, case, body.score, body.comment, outbox)
    return StatusChanged(tracking_code=case.tracking_code, status=case.status, at=case.status_at)


@router.post("/appeal", status_code=201, response_model=AppealCreated, responses=PROBLEMS)
async def appeal(
    tracking_code: str,
    body: AppealCreate,
    outbox: OutboxDep,
    appeal_policies: AppealPoliciesDep,
    session: DbSession,
    token: TOKEN = None,
) -> AppealCreated:
    """Contest the resolution: a complaint's appeal opens a second-time complaint at the
    superior unit, followed under its own tracking code with the same token."""
    case = await service.citizen_case(session, tracking_code, token)
    late = body.late_reason
    second = await service.appeal(
        session, case, body.reason, outbox=outbox, policies=appeal_policies,
        late_reason=LateReason(ground=late.ground, text=late.text) if late else None,
    )  # fmt: skip
    return AppealCreated(
        tracking_code=case.tracking_code,
        status=case.status,
        new_case_id=second.id,
        new_tracking_code=second.tracking_code,
        at=case.status_at,
    )
