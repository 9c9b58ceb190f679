from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.actions.models import CaseMessage


async def messages(session: AsyncSession, case_id: uuid.UUID) -> list[CaseMessage]:
    """The conversation the citizen sees, oldest first."""
    result = await session.execute(
        select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(CaseMessage.at)
    )
    return list(result.scalars())
