from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.notification.calendar.endpoints import ReloadAfterCommit
from services.notification.policies.models import PolicyOverride
from services.notification.policies.rules import Policy
from shared.auth import CurrentPrincipal, Role
from shared.db import DbSession
from shared.errors import Forbidden, NotFound, Unauthorized, Unprocessable, problem_responses

router = APIRouter(prefix="/v1/policies", tags=["policies"])
_ADMIN = problem_responses(Unauthorized, Forbidden, NotFound, Unprocessable)


class PolicyRead(Policy):
    overridden: bool = False


class PolicyList(BaseModel):
    items: list[PolicyRead]


class PolicyCorrection(BaseModel):
    policy: Policy
    reason: str = Field(min_length=1, max_length=500)


@router.get("", response_model=PolicyList)
async def list_policies(request: Request) -> PolicyList:
    """The deadline rules (both before and from 2026-07-01), each with its legal basis."""
    reference = request.app.state.reference
    return PolicyList(
        items=[
            PolicyRead(**p.model_dump(), overridden=reference.base_book.get(p.id) != p)
            for p in reference.book.policies
        ]
    )


@router.put("/{policy_id}", response_model=PolicyRead, responses=_ADMIN)
async def correct_policy(
    policy_id: str,
    body: PolicyCorrection,
    _: ReloadAfterCommit,
    session: DbSession,
    principal: CurrentPrincipal,
) -> PolicyRead:
    """Correct a policy (or add one, e.g. a confirmed new rule); new clocks use it."""
    if principal.role is not Role.admin:
        raise Forbidden("administrators only")
    if body.policy.id != policy_id:
        raise Unprocessable.field(["body", "policy", "id"], "must equal the id in the path")
    row = await session.get(PolicyOverride, policy_id, with_for_update=True)
    if row is None:
        row = PolicyOverride(policy_id=policy_id)
        session.add(row)
    row.policy = body.policy.model_dump(mode="json")
    row.reason, row.changed_by, row.changed_at = body.reason, principal.sub, datetime.now(UTC)
    await session.flush()
    return PolicyRead(**body.policy.model_dump(), overridden=True)


@router.delete("/{policy_id}", status_code=204, responses=_ADMIN)
async def revert_policy(
    policy_id: str, _: ReloadAfterCommit, session: DbSession, principal: CurrentPrincipal
) -> None:
    """Drop the correction: the shipped policy applies again."""
    if principal.role is not Role.admin:
        raise Forbidden("administrators only")
    row = (
        await session.execute(select(PolicyOverride).where(PolicyOverride.policy_id == policy_id))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no correction of {policy_id}")
    await session.delete(row)
    await session.flush()
