from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from services.notification.policies import repository
from services.notification.policies.reference import References
from services.notification.policies.schemas import (
    PolicyCorrected,
    PolicyCorrection,
    PolicyList,
    PolicyRead,
)
from services.notification.policies.service import PolicyHooksDep
from shared.auth import CurrentPrincipal, Role
from shared.db import DbSession
from shared.errors import Forbidden, NotFound, Unauthorized, Unprocessable, problem_responses
from shared.kernel import KernelDep

router = APIRouter(prefix="/v1/policies", tags=["policies"])
_ADMIN = problem_responses(Unauthorized, Forbidden, NotFound, Unprocessable)


async def _reload_after_commit(reference: References, kernel: KernelDep) -> AsyncIterator[None]:
    yield
    # Declared before DbSession, so this runs once the correction is committed and before the
    # answer leaves: the next request on this replica already counts with it. Other replicas
    # pick it up within TIEPDAN_NOTIFY_REFRESH_SECONDS.
    await reference.reload(kernel.database)


ReloadAfterCommit = Annotated[None, Depends(_reload_after_commit, scope="function")]


@router.get("", response_model=PolicyList)
async def list_policies(reference: References) -> PolicyList:
    """The deadline rules (both before and from 2026-07-01), each with its legal basis."""
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
    reference: References,
    hooks: PolicyHooksDep,
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
    moved = await hooks.move_deadlines(
        session,
        reference.book.with_overrides([body.policy]),
        policy_id,
        f"policy {policy_id} corrected: {body.reason}",
        dry_run,
    )
    if dry_run:
        return PolicyCorrected(**body.policy.model_dump(), dry_run=True, moved=moved)
    await repository.save_override(
        session,
        policy_id,
        body.policy.model_dump(mode="json"),
        reason=body.reason,
        by=principal.sub,
        at=datetime.now(UTC),
    )
    return PolicyCorrected(**body.policy.model_dump(), overridden=True, moved=moved)


@router.delete("/{policy_id}", status_code=204, responses=_ADMIN)
async def revert_policy(
    policy_id: str,
    reference: References,
    hooks: PolicyHooksDep,
    _: ReloadAfterCommit,
    session: DbSession,
    principal: CurrentPrincipal,
) -> None:
    """Drop the correction: the shipped policy applies again."""
    if principal.role is not Role.admin:
        raise Forbidden("administrators only")
    row = await repository.override(session, policy_id)
    if row is None:
        raise NotFound(f"no correction of {policy_id}")
    shipped = reference.base_book.get(policy_id)
    if shipped is not None:  # the running clocks under it return to the shipped period
        await hooks.move_deadlines(
            session,
            reference.book.with_overrides([shipped]),
            policy_id,
            f"policy {policy_id}: correction reverted ({row.reason})",
            False,
        )
    await repository.remove(session, row)
