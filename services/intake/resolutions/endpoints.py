"""Public: the answers citizens consented to publish, about a commune or a province."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.intake.cases.schemas import UnitRef
from services.intake.cases.service import published_resolution
from services.intake.categories.schemas import CaseKind
from services.intake.open311.service import is_public
from services.intake.resolutions.repository import published_about
from services.intake.resolutions.schemas import PublishedResolution, PublishedResolutions
from shared.db import DbSession
from shared.errors import NotFound, Unprocessable, problem_responses
from shared.geography import AdminMapDep

router = APIRouter(prefix="/v1/units", tags=["units"])


@router.get(
    "/{unit_code}/resolutions",
    response_model=PublishedResolutions,
    responses=problem_responses(NotFound, Unprocessable),
)
async def published_resolutions(
    unit_code: str,
    admin_map: AdminMapDep,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> PublishedResolutions:
    """The newest answers published about a commune, or about any commune of a province
    (the place the citizen chose, whichever unit answered): only where the unit published
    the answer and the citizen consented; never a denunciation's. Newest answer first."""
    unit = admin_map.get(unit_code)
    if unit is None:
        raise NotFound(f"no unit {unit_code}")
    places = [unit.code]
    if unit.parent_code is None:  # a province: its communes
        places += [u.code for u in admin_map.units.values() if u.parent_code == unit.code]
    items = []
    for case in await published_about(session, places, limit):
        resolution = published_resolution(case)
        if resolution is None:  # a resolution without its summary: nothing to show
            continue
        items.append(
            PublishedResolution(
                tracking_code=case.tracking_code,
                kind=CaseKind(case.kind),
                category=case.category,
                place_code=case.location_unit_code,
                unit=UnitRef(code=case.unit_code, name=case.unit_name)
                if case.unit_code and case.unit_name
                else None,
                resolution=resolution,
                description=case.description[:4000] if is_public(case) else None,
            )
        )
    return PublishedResolutions(unit_code=unit.code, items=items)
