from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.cases.models import Case, CaseDeadline, IdempotencyRecord, TimelineEntry


async def get(session: AsyncSession, case_id: uuid.UUID) -> Case | None:
    return await session.get(Case, case_id)


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


async def set_media_urls(session: AsyncSession, case_id: uuid.UUID, urls: list[str]) -> None:
    await session.execute(update(Case).where(Case.id == case_id).values(media_urls=urls))


async def drop_expired_answer(session: AsyncSession, key: str, older_than: datetime) -> None:
    """The stored answer under `key`, if older than `older_than`."""
    expired = IdempotencyRecord.created_at < older_than
    await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.key == key, expired))


async def sweep_expired_answers(session: AsyncSession, older_than: datetime) -> None:
    """A hundred of the stored answers older than `older_than`."""
    expired = IdempotencyRecord.created_at < older_than
    stale = select(IdempotencyRecord.key).where(expired).limit(100).correlate(None)
    await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.key.in_(stale.scalar_subquery()))
    )


async def stored_answer(session: AsyncSession, key: str) -> IdempotencyRecord:
    """The answer stored under `key` (read afresh: another transaction wrote it)."""
    result = await session.execute(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )
    return result.scalar_one()
