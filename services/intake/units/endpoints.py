from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from shared.geography import AdminMapDep

router = APIRouter(prefix="/v1/units", tags=["units"])


class UnitFound(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None


class UnitList(BaseModel):
    items: list[UnitFound]
    next_cursor: str | None = None


@router.get("", response_model=UnitList)
async def find_units(
    admin_map: AdminMapDep,
    q: Annotated[str, Query(min_length=1, max_length=100)] = "",
    parent: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> UnitList:
    """Find the province or commune a case is about, in any mix of diacritics and case."""
    hits = admin_map.search(q, parent=parent, limit=limit)
    return UnitList(
        items=[
            UnitFound(code=u.code, name=u.name, level=u.level.value, parent_code=u.parent_code)
            for u in hits
        ]
    )
