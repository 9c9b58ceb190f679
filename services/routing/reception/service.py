"""Booking a case into a unit's reception session: a dialogue at the session's time and place."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import RoutedCase
from services.routing.reception.models import Dialogue, ReceptionSession
from shared.errors import Conflict, Unprocessable


async def booked(session: AsyncSession, session_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(Dialogue.reception_session_id == session_id)
        )
        or 0
    )


async def seat(session: AsyncSession, case: RoutedCase, session_id: uuid.UUID) -> ReceptionSession:
    """The session, locked, once it is checked that the case may take a seat in it."""
    found = (
        await session.execute(
            select(ReceptionSession)
            .where(ReceptionSession.id == session_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    loc = ["reception_session_id"]
    if found is None:
        raise Unprocessable.field(loc, f"no reception session {session_id}")
    if found.unit_code != case.unit_code:
        raise Unprocessable.field(loc, f"the session is {found.unit_code}'s, not the case's unit")
    if found.starts_at <= datetime.now(UTC):
        raise Unprocessable.field(loc, "the session has already started")
    taken = await session.scalar(
        select(func.count()).where(
            Dialogue.reception_session_id == session_id, Dialogue.case_id == case.id
        )
    )
    if taken:
        raise Conflict("the case is already booked into this session", allowed=[])
    if await booked(session, session_id) >= found.capacity:
        raise Conflict(f"the session is full ({found.capacity} seats)", allowed=[])
    return found
