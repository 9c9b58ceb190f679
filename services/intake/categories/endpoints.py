from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.intake.categories.registry import CategoriesDep
from services.intake.categories.schemas import CaseKind, CategoryList, CategoryRead

router = APIRouter(prefix="/v1/categories", tags=["categories"])


@router.get("", response_model=CategoryList)
async def list_categories(
    categories: CategoriesDep, kind: Annotated[CaseKind | None, Query()] = None
) -> CategoryList:
    """The categories a case can be filed under, optionally only those for one kind."""
    registry = categories
    items = registry.for_kind(kind.value) if kind else registry.items
    return CategoryList(
        items=[
            CategoryRead(code=c.code, name_vi=c.name_vi, name_en=c.name_en, kinds=list(c.kinds))
            for c in items
        ]
    )
