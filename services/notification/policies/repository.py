from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.policies.models import PolicyOverride


async def overrides(session: AsyncSession) -> Sequence[PolicyOverride]:
    """The administrators' corrected (or added) policies."""
    return (await session.execute(select(PolicyOverride))).scalars().all()


async def override(session: AsyncSession, policy_id: str) -> PolicyOverride | None:
    return (
        await session.execute(select(PolicyOverride).where(PolicyOverride.policy_id == policy_id))
    ).scalar_one_or_none()


async def save_override(
    session: AsyncSession,
    policy_id: str,
    policy: dict[str, Any],
    *,
    reason: str,
    by: str,
    at: datetime,
) -> PolicyOverride:
    """The policy's correction, written (the row locked, or added)."""
    row = await session.get(PolicyOverride, policy_id, with_for_update=True)
    if row is None:
        row = PolicyOverride(policy_id=policy_id)
        session.add(row)
    row.policy = policy
    row.reason, row.changed_by, row.changed_at = reason, by, at
    await session.flush()
    return row


async def remove(session: AsyncSession, row: PolicyOverride) -> None:
    await session.delete(row)
    await session.flush()
