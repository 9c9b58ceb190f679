from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.notification.calendar.endpoints import ReloadAfterCommit
from services.notification.deadlines.recompute import recompute
from services.notification.deadlines.schemas import DeadlineMoved
from services.notification.deadlines.service import DeadlineClocks
from services.notification.policies.models import PolicyOverride
from services.notification.policies.rules import Policy
from shared.auth import CurrentPrincipal, Role
from shared.db import DbSession
from shared.errors import Forbidden, NotFound, Unauthorized, Unprocessable, problem_responses

router = APIRouter(prefix="/v1/policies", tags=["policies"])
_ADMIN = problem_responses(Unauthorized, Forbidden, NotFound, Unprocessable)


class PolicyRead(Policy):
    overridden: bool = False


class PolicyCorrected(PolicyRead):
    # The running deadlines the correction moved (on a dry run: would move; nothing stored).
    dry_run: bool = False
    moved: list[DeadlineMoved] = Field(default_factory=list)


class PolicyList(BaseModel):
    items: list[PolicyRead]


class PolicyCorrection(BaseModel):
    policy: Policy
    reason: str = Field(min_length=1, max_length=500)


@router.get("", response_model=PolicyList)
async def list_policies(clocks: DeadlineClocks) -> PolicyList:
    """The deadline rules (both before and from 2026-07-01), each with its legal basis."""
    reference = clocks.reference
    return PolicyList(
        items=[
            PolicyRead(**p.model_dump(), overridden=reference.base_book.get(p.id) != p)
            for p in reference.book.policies
        ]
    )


@router.put("/{policy_id}", response_model=PolicyCorrected, responses=_ADMIN)
async def correct_policy(
    policy_id: str,
    body: PolicyCorrection,
    clocks: DeadlineClocks,
    _: ReloadAfterCommit,
    session: DbSession,
    principal: CurrentPrincipal,
    dry_run: bool = False,
) -> PolicyCorrected:
    """Correct a policy (or add one, e.g. a confirmed new rule); new clocks use it, and the
    running clocks under it move (`dry_run=true`: list them, change nothing)."""
    if principal.role is not Role.admin:
        raise Forbidden("administrators only")
    if body.policy.id != policy_id:
        raise Unprocessable.field(["body", "policy", "id"], "must equal the id in the path")
    reference = clocks.reference
    moved = await recompute(
        session,
        clocks,
        calendar=reference.calendar,
        book=reference.book.with_overrides([body.policy]),
        reason=f"policy {policy_id} corrected: {body.reason}",
        dry_run=dry_run,
        policy_id=policy_id,
    )
    if dry_run:
        return PolicyCorrected(**body.policy.model_dump(), dry_run=True, moved=moved)
    row = await session.get(PolicyOverride, policy_id, with_for_update=True)
    if row is None:
        row = PolicyOverride(policy_id=policy_id)
        session.add(row)
    row.policy = body.policy.model_dump(mode="json")
    row.reason, row.changed_by, row.changed_at = body.reason, principal.sub, datetime.now(UTC)
    await session.flush()
    return PolicyCorrected(**body.policy.model_dump(), overridden=True, moved=moved)


@router.delete("/{policy_id}", status_code=204, responses=_ADMIN)
async def revert_policy(
    policy_id: str,
    clocks: DeadlineClocks,
    _: ReloadAfterCommit,
    session: DbSession,
    principal: CurrentPrincipal,
) -> None:
    """Drop the correction: the shipped policy applies again."""
    if principal.role is not Role.admin:
        raise Forbidden("administrators only")
    row = (
        await session.execute(select(PolicyOverride).where(PolicyOverride.policy_id == policy_id))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no correction of {policy_id}")
    reference = clocks.reference
    shipped = reference.base_book.get(policy_id)
    if shipped is not None:  # the running clocks under it return to the shipped period
        await recompute(
            session,
            clocks,
            calendar=reference.calendar,
            book=reference.book.with_overrides([shipped]),
            reason=f"policy {policy_id}: correction reverted ({row.reason})",
            dry_run=False,
            policy_id=policy_id,
        )
    await session.delete(row)
    await session.flush()
