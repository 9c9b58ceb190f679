"""Units publish their citizen-reception sessions; anyone may see the calendar."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.routing.access import ActingPrincipal
from services.routing.reception import repository
from services.routing.reception.models import ReceptionSession
from services.routing.reception.schemas import SessionCreate, SessionPage, SessionRead
from services.routing.units.registry import Unit, Units
from shared.auth import require_unit_access
from shared.dates import IsoAwareDateTime
from shared.db import DbSession
from shared.errors import Forbidden, NotFound, Unauthorized, Unprocessable, problem_responses

router = APIRouter(prefix="/v1/units", tags=["reception calendar"])


async def _read(session: DbSession, reception_session: ReceptionSession) -> SessionRead:
    taken = await repository.booked(session, reception_session.id)
    return SessionRead(
        id=reception_session.id,
        unit_code=reception_session.unit_code,
        starts_at=reception_session.starts_at,
        ends_at=reception_session.ends_at,
        place=reception_session.place,
        host=reception_session.host,
        capacity=reception_session.capacity,
        booked=taken,
        available=max(reception_session.capacity - taken, 0),
    )


def _unit_for_actor(unit_code: str, units: Units, principal: ActingPrincipal) -> Unit:
    unit = units.get(unit_code)
    if unit is None:
        raise NotFound(f"no unit {unit_code}")
    require_unit_access(principal, unit.code, parent_code=unit.province_code)
    return unit


@router.post(
    "/{unit_code}/reception-sessions",
    response_model=SessionRead,
    status_code=201,
    responses=problem_responses(Unauthorized, Forbidden, NotFound, Unprocessable),
)
async def publish_session(
    unit: Annotated[Unit, Depends(_unit_for_actor)],
    body: SessionCreate,
    session: DbSession,
    principal: ActingPrincipal,
) -> SessionRead:
    """Publish a reception session of the unit (its officials, head, or an admin)."""
    if body.starts_at <= datetime.now(UTC):
        raise Unprocessable.field(["starts_at"], "a session is published for the future")
    row = ReceptionSession(
        id=uuid.uuid4(),
        unit_code=unit.code,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        place=body.place,
        host=body.host,
        capacity=body.capacity,
        created_by=principal.sub,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return await _read(session, row)


@router.get(
    "/{unit_code}/reception-sessions",
    response_model=SessionPage,
    responses=problem_responses(NotFound),
)
async def sessions(
    unit_code: str,
    units: Units,
    session: DbSession,
    from_: Annotated[IsoAwareDateTime | None, Query(alias="from")] = None,
    to: IsoAwareDateTime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SessionPage:
    """Public: the unit's coming reception sessions, with seats left."""
    if units.get(unit_code) is None:
        raise NotFound(f"no unit {unit_code}")
    start = from_ or datetime.now(UTC)
    found = await repository.upcoming(session, unit_code, start, to, limit)
    return SessionPage(
        items=[await _read(session, reception_session) for reception_session in found]
    )
