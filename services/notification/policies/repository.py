from __future__ import annotations

from collections.abc import Sequence

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
