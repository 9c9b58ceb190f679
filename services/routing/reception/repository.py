"""The reception calendar's queries: a unit's sessions, a session locked for booking, its seats
taken (the dialogues booked into it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.reception.models import Dialogue, ReceptionSession


async def booked(session: AsyncSession, session_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(Dialogue.reception_session_id == session_id)
        )
        or 0
    )


async def booked_for(session: AsyncSession, session_id: uuid.UUID, case_id: uuid.UUID) -> int:
    """The case's seats in the session (0 or 1)."""
    taken = await session.scalar(
        select(func.count()).where(
            Dialogue.reception_session_id == session_id, Dialogue.case_id == case_id
        )
    )
    return taken or 0


async def locked(session: AsyncSession, session_id: uuid.UUID) -> ReceptionSession | None:
    """The session, locked for this transaction and freshly read."""
    return (
        await session.execute(
            select(ReceptionSession)
            .where(ReceptionSession.id == session_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def upcoming(
    session: AsyncSession, unit_code: str, start: datetime, to: datetime | None, limit: int
) -> Sequence[ReceptionSession]:
    """The unit's sessions starting from `start` (before `to`), by start time."""
    query = select(ReceptionSession).where(
        ReceptionSession.unit_code == unit_code, ReceptionSession.starts_at >= start
    )
    if to is not None:
        query = query.where(ReceptionSession.starts_at < to)
    rows = await session.execute(
        query.order_by(ReceptionSession.starts_at, ReceptionSession.id).limit(limit)
    )
    return rows.scalars().all()
