from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.cases.models import Case, CaseDeadline, TimelineEntry


async def by_tracking_code(session: AsyncSession, code: str) -> Case | None:
    result = await session.execute(select(Case).where(Case.tracking_code == code))
    return result.scalar_one_or_none()


async def for_update(session: AsyncSession, case_id: uuid.UUID) -> Case | None:
    result = await session.execute(select(Case).where(Case.id == case_id).with_for_update())
    return result.scalar_one_or_none()


async def deadlines(session: AsyncSession, case_id: uuid.UUID) -> list[CaseDeadline]:
    result = await session.execute(
        select(CaseDeadline).where(CaseDeadline.case_id == case_id).order_by(CaseDeadline.due_at)
    )
    return list(result.scalars())


async def timeline(session: AsyncSession, case_id: uuid.UUID) -> list[TimelineEntry]:
    result = await session.execute(
        select(TimelineEntry)
        .where(TimelineEntry.case_id == case_id)
        .order_by(TimelineEntry.at, TimelineEntry.event_id)
    )
    return list(result.scalars())
