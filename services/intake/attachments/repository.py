from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.attachments.models import Attachment


async def of_case(session: AsyncSession, case_id: uuid.UUID) -> Sequence[Attachment]:
    """A case's attachments, oldest first."""
    result = await session.execute(
        select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.created_at)
    )
    return result.scalars().all()


async def get(session: AsyncSession, attachment_id: uuid.UUID) -> Attachment | None:
    return await session.get(Attachment, attachment_id)


async def count(session: AsyncSession, case_id: uuid.UUID) -> int:
    found = await session.scalar(
        select(func.count()).select_from(Attachment).where(Attachment.case_id == case_id)
    )
    return found or 0
