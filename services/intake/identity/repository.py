from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.cases.models import IdempotencyRecord, Submitter


async def submitter_by_contact(session: AsyncSession, ref_hash: str) -> Submitter | None:
    result = await session.execute(select(Submitter).where(Submitter.contact_ref_hash == ref_hash))
    return result.scalar()


async def purge_answers(session: AsyncSession, older_than: datetime) -> int:
    """Delete the idempotent answers stored before `older_than`; how many."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def count_identities(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Submitter)) or 0)


async def count_sealed_answers(session: AsyncSession) -> int:
    query = (
        select(func.count())
        .select_from(IdempotencyRecord)
        .where(IdempotencyRecord.response.is_not(None))
    )
    return int(await session.scalar(query) or 0)


async def sealed_answers_after(
    session: AsyncSession, last: str, limit: int
) -> list[IdempotencyRecord]:
    """The next `limit` stored answers by key after `last`, locked."""
    query = (
        select(IdempotencyRecord)
        .where(IdempotencyRecord.key > last, IdempotencyRecord.response.is_not(None))
        .order_by(IdempotencyRecord.key)
        .limit(limit)
        .with_for_update()
    )
    return list((await session.execute(query)).scalars())


async def submitters_after(
    session: AsyncSession, last: uuid.UUID | None, limit: int
) -> list[Submitter]:
    """The next `limit` submitters by case after `last` (None: the first ones), locked."""
    query = select(Submitter).order_by(Submitter.case_id).limit(limit)
    if last is not None:
        query = query.where(Submitter.case_id > last)
    return list((await session.execute(query.with_for_update())).scalars())
