from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from services.routing.stats.satisfaction import KindSatisfaction, MonthSatisfaction, Satisfaction


class Figures(BaseModel):
    received: int
    accepted: int
    rejected: int
    transferred: int  # first routed here, then sent to the competent unit
    resolved: int
    resolved_on_time: int  # resolved with no deadline missed (see stats/rollup.on_time)
    overdue: int  # still open, past the due time of its current step
    median_days_to_resolve: float | None
    mean_rating: float | None
    ratings: int


class UnitFigures(Figures):
    unit_code: str
    satisfaction: Satisfaction | None = None


class MonthFigures(Figures):
    month: str  # YYYY-MM, local (Asia/Ho_Chi_Minh) month of receipt
    satisfaction: Satisfaction | None = None


class UnitMonths(BaseModel):
    """A unit's figures for each month of a range: each month's are the figures of
    `GET /v1/stats/units/{code}` for that month's first to last day."""

    unit_code: str
    unit_name: str
    scope: str  # "unit", or "province": the province with its communes and agencies
    month_from: str
    month_to: str
    months: list[MonthFigures]  # every month of the range, in order, zeros included


class RecommendationFigures(BaseModel):
    """The people's inspection board's recommendations (kiến nghị) made in the period."""

    received: int
    answered: int
    answered_on_time: int  # answered by the response date
    accepted: int
    partly: int
    rejected: int
    overdue: int  # still unanswered past the response date


class UnitStats(BaseModel):
    unit_code: str
    unit_name: str
    period_from: date
    period_to: date
    scope: str  # "unit", or "province": the province with its communes and agencies
    figures: Figures
    by_unit: list[UnitFigures] = []
    recommendations: RecommendationFigures | None = None
    # The satisfaction index: method in stats/satisfaction.py and docs/satisfaction.md.
    satisfaction: Satisfaction | None = None
    satisfaction_by_kind: list[KindSatisfaction] = []
    satisfaction_by_month: list[MonthSatisfaction] = []  # months with ratings


class KindCategoryFigures(BaseModel):
    kind: str
    category: str | None
    received: int
    accepted: int
    rejected: int
    withdrawn: int
    resolved: int
    resolved_on_time: int  # resolved with no deadline missed (see stats/rollup.on_time)


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
    recommendations: RecommendationFigures | None = None
    satisfaction: Satisfaction | None = None
    satisfaction_by_kind: list[KindSatisfaction] = []
    satisfaction_by_month: list[MonthSatisfaction] = []  # months with ratings
