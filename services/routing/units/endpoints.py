from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from shared.errors import NotFound, problem_responses

router = APIRouter(prefix="/v1/units", tags=["units"])


class UnitRead(BaseModel):
    code: str
    name: str
    level: str
    division_type: str
    parent_code: str | None


class UnitPage(BaseModel):
    items: list[UnitRead]
    next_cursor: str | None = None


def _read(unit: object) -> UnitRead:
    return UnitRead.model_validate(unit, from_attributes=True)


@router.get("", response_model=UnitPage)
async def list_units(
    request: Request,
    q: Annotated[str, Query(max_length=100)] = "",
    parent: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> UnitPage:
    """The unit registry: provinces and communes, searchable without diacritics."""
    return UnitPage(
        items=[_read(u) for u in request.app.state.admin_map.search(q, parent=parent, limit=limit)]
    )


@router.get("/{unit_code}", response_model=UnitRead, responses=problem_responses(NotFound))
async def get_unit(unit_code: str, request: Request) -> UnitRead:
    """One unit of the registry."""
    unit = request.app.state.admin_map.get(unit_code)
    if unit is None:
        raise NotFound(f"no unit {unit_code}")
    return _read(unit)
