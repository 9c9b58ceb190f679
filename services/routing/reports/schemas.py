from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class KindCategoryFigures(BaseModel):
    kind: str
    category: str | None
    received: int
    accepted: int
    rejected: int
    withdrawn: int
    resolved: int
    resolved_on_time: int


class PeriodReport(BaseModel):
    unit_code: str
    unit_name: str
    scope: str  # "unit", or "province": with its communes and agencies
    period_from: date
    period_to: date
    citizens_received: int  # seats at the unit's reception sessions that were held
    reception_sessions_held: int
    dialogues_held: int  # dialogue sessions (đối thoại) with minutes in the period
    totals: dict[str, int]
    by_kind_and_category: list[KindCategoryFigures]
