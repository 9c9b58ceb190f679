"""Reading cases: the case lock every step and handler takes, and the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import CaseStep, RoutedCase


async def lock_case(session: AsyncSession, case_id: uuid.UUID) -> RoutedCase | None:
    """The case, locked for this transaction and freshly read."""
    result = await session.execute(
        select(RoutedCase)
        .where(RoutedCase.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def history(session: AsyncSession, case_id: uuid.UUID) -> Sequence[CaseStep]:
    """Every step of a case, in the order taken."""
    rows = await session.execute(
        select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.id)
    )
    return rows.scalars().all()
