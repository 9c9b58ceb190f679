from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.routing.units.registry import Unit, UnitRegistry, Units
from shared.errors import NotFound, problem_responses
from shared.geography import fold

router = APIRouter(prefix="/v1/units", tags=["units"])


class AgencyRead(BaseModel):
    code: str
    name: str
    level: str
    fields: list[str]


class UnitRead(BaseModel):
    code: str
    name: str
    level: str
    division_type: str
    parent_code: str | None
    # The body that acts for the unit, its direct superior, and whether it is remote
    # (longer legal periods); the agencies under it.
    display_name: str | None = None
    superior_code: str | None = None
    remote: bool = False
    fields: list[str] = []
    agencies: list[AgencyRead] = []


class UnitPage(BaseModel):
    items: list[UnitRead]
    next_cursor: str | None = None


def _read(unit: Unit, registry: UnitRegistry, *, detail: bool = False) -> UnitRead:
    superior = registry.superior(unit.code)
    return UnitRead(
        code=unit.code,
        name=unit.name,
        level=unit.level,
        division_type=unit.division_type,
        parent_code=unit.parent_code,
        display_name=unit.display,
        superior_code=superior.code if superior else None,
        remote=unit.remote,
        fields=list(unit.fields),
        agencies=[
            AgencyRead(code=a.code, name=a.name, level=a.level, fields=list(a.fields))
            for a in registry.agencies_of(unit.code)
        ]
        if detail
        else [],
    )


@router.get("", response_model=UnitPage)
async def list_units(
    units: Units,
    q: Annotated[str, Query(max_length=100)] = "",
    parent: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> UnitPage:
    """The unit registry: provinces, communes and agencies, searchable without diacritics."""
    registry: UnitRegistry = units
    found = [registry.get(u.code) for u in registry.admin_map.search(q, parent=parent, limit=limit)]
    found += registry.search_agencies(fold(q).split(), parent)
    return UnitPage(items=[_read(u, registry) for u in found if u is not None][:limit])


@router.get("/{unit_code}", response_model=UnitRead, responses=problem_responses(NotFound))
async def get_unit(unit_code: str, units: Units) -> UnitRead:
    """One unit, with its agencies, its direct superior and its remote-area flag."""
    registry: UnitRegistry = units
    unit = registry.get(unit_code)
    if unit is None:
        raise NotFound(f"no unit {unit_code}")
    return _read(unit, registry, detail=True)
