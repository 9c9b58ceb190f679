from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlalchemy import select

from services.notification.deadlines.models import Deadline
from services.notification.deadlines.schemas import DeadlineList, DeadlineRead
from shared.auth import CurrentPrincipal, Role
from shared.db import DbSession
from shared.errors import Forbidden, Unauthorized, problem_responses

router = APIRouter(tags=["deadlines"], responses=problem_responses(Unauthorized, Forbidden))


def _read(d: Deadline) -> DeadlineRead:
    return DeadlineRead(
        id=d.id,
        case_id=d.case_id,
        kind=d.step,
        step=d.step,
        unit_code=d.unit_code,
        basis=d.basis,
        policy_id=d.policy_id,
        starts_on=d.starts_on,
        due_on=d.due_on,
        due_at=d.due_at,
        state=d.state,
    )


@router.get("/v1/cases/{case_id}/deadlines", response_model=DeadlineList)
async def case_deadlines(
    case_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal
) -> DeadlineList:
    """Each deadline of a case: kind, legal basis, start, due, state."""
    rows = list(
        (
            await session.execute(
                select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.due_at)
            )
        ).scalars()
    )
    if principal.role is not Role.admin and any(
        principal.unit_code not in (d.unit_code, d.province_code) for d in rows
    ):
        raise Forbidden(f"case {case_id} is not in unit {principal.unit_code}")
    return DeadlineList(items=[_read(d) for d in rows])
