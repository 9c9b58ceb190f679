"""Booking a case into a unit's reception session: a dialogue at the session's time and place."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import RoutedCase
from services.routing.reception import repository
from services.routing.reception.models import ReceptionSession
from shared.errors import Conflict, Unprocessable


async def seat(session: AsyncSession, case: RoutedCase, session_id: uuid.UUID) -> ReceptionSession:
    """The session, locked, once it is checked that the case may take a seat in it."""
    found = await repository.locked(session, session_id)
    loc = ["reception_session_id"]
    if found is None:
        raise Unprocessable.field(loc, f"no reception session {session_id}")
    if found.unit_code != case.unit_code:
        raise Unprocessable.field(loc, f"the session is {found.unit_code}'s, not the case's unit")
    if found.starts_at <= datetime.now(UTC):
        raise Unprocessable.field(loc, "the session has already started")
    if await repository.booked_for(session, session_id, case.id):
        raise Conflict("the case is already booked into this session", allowed=[])
    if await repository.booked(session, session_id) >= found.capacity:
        raise Conflict(f"the session is full ({found.capacity} seats)", allowed=[])
    return found
