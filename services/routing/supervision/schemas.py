"""The supervisions' API models (api.md: the board's work on the officials' workflow)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

Kind = Literal["complaint", "denunciation", "petition", "feedback", "dialogue_request"]


class SupervisionScope(BaseModel):
    """What is supervised: a theme, a received period, kinds, a category, only late cases,
    and/or a set of cases. Conditions combine (AND); `case_ids` alone names the cases."""

    theme: str | None = Field(None, max_length=500)
    received_from: date | None = None
    received_to: date | None = None
    kinds: list[Kind] = Field(default_factory=list)
    category: str | None = Field(None, max_length=64)
    late_only: bool = False
    case_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _period(self) -> SupervisionScope:
        if self.received_from and self.received_to and self.received_to < self.received_from:
            raise ValueError("received_to is before received_from")
        return self


class SupervisionCreate(BaseModel):
    unit_code: str = Field(min_length=2, max_length=16)
    title: str = Field(min_length=1, max_length=300)
    scope: SupervisionScope = Field(default_factory=SupervisionScope)


class EntryCreate(BaseModel):
    """A note, a request for information to the unit (with its response date), or a finding."""

    kind: Literal["note", "info_request", "finding"]
    text: str = Field(min_length=1, max_length=20000)


class InfoAnswerCreate(BaseModel):
    text: str = Field(min_length=1, max_length=20000)


class EntryRead(BaseModel):
    id: uuid.UUID
    kind: str
    text: str
    due_on: date | None
    answers: uuid.UUID | None
    actor: str
    at: datetime


class CaseInScope(BaseModel):
    id: uuid.UUID
    tracking_code: str
    kind: str
    title: str
    status: str
    received_at: datetime
    due_at: datetime | None
    resolved_at: datetime | None
    late: bool


class Denunciations(BaseModel):
    """Denunciations in scope, by count and status only (Luật Tố cáo 2018, Điều 8, 47)."""

    count: int = 0
    by_status: dict[str, int] = Field(default_factory=dict)


class SupervisionCases(BaseModel):
    items: list[CaseInScope]
    truncated: bool
    denunciations: Denunciations


class SupervisionRead(BaseModel):
    id: uuid.UUID
    unit_code: str
    title: str
    scope: SupervisionScope
    state: str
    opened_by: str
    opened_at: datetime
    closing_report: str | None = None
    closed_at: datetime | None = None
    entries: list[EntryRead] = Field(default_factory=list)
    recommendations: list[RecommendationRead] = Field(default_factory=list)
    cases: SupervisionCases | None = None


class SupervisionPage(BaseModel):
    items: list[SupervisionRead]
    next_cursor: str | None = None


class CloseCommand(BaseModel):
    report: str = Field(min_length=1, max_length=50000)


class CaseRecommendationCreate(BaseModel):
    """A recommendation on a single case (`POST /v1/cases/{id}/recommendations`)."""

    text: str = Field(min_length=1, max_length=20000)
    reason: str | None = Field(None, max_length=20000)


class RecommendationCreate(CaseRecommendationCreate):
    case_id: uuid.UUID | None = None


class FollowUp(BaseModel):
    action: str = Field(min_length=1, max_length=2000)
    due_on: date


class FollowUpRead(FollowUp):
    """A follow-up action, with its id (its clock's key) and, once recorded, when it was done."""

    id: uuid.UUID | None = None  # None: answered before actions had ids
    done_on: date | None = None
    done_on_time: bool | None = None
    note: str | None = None


class ActionDoneCommand(BaseModel):
    """What was done: the board and, once public, everyone read it beside the action."""

    note: str = Field(min_length=1, max_length=20000)


class AnswerCommand(BaseModel):
    outcome: Literal["accepted", "partly", "rejected"]
    text: str = Field(min_length=1, max_length=20000)
    follow_up: list[FollowUp] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _follow_up(self) -> AnswerCommand:
        if self.follow_up and self.outcome == "rejected":
            raise ValueError("a rejected recommendation carries no follow-up actions")
        return self


class RecommendationPublic(BaseModel):
    """What everyone may read once answered or overdue (dân biết): no names, no case."""

    id: uuid.UUID
    supervision_id: uuid.UUID | None  # None: a recommendation on a single case
    unit_code: str
    text: str
    reason: str | None
    issued_on: date
    due_on: date
    basis: str
    state: Literal["open", "answered", "overdue"]
    outcome: str | None = None
    answer_text: str | None = None
    follow_up: list[FollowUpRead] = Field(default_factory=list)
    answered_on: date | None = None
    answered_on_time: bool | None = None


class RecommendationRead(RecommendationPublic):
    """The board's and the unit's view: who, and the case."""

    case_id: uuid.UUID | None
    issued_by: str
    answered_by: str | None = None
    deadline_id: uuid.UUID | None = None  # notification's clock, once it has started


class RecommendationPage(BaseModel):
    items: list[RecommendationRead | RecommendationPublic]
    next_cursor: str | None = None


class BoardMessageRead(BaseModel):
    """A resident's message to the board, about how their case is handled."""

    id: uuid.UUID
    case_id: uuid.UUID
    tracking_code: str
    case_kind: str
    text: str
    at: datetime
    # "case": written from the case with its token; "submission": a new feedback addressed
    # to the board (POST /v1/cases with "addressed_to": "board"), its title and description.
    via: Literal["case", "submission"] = "case"


class BoardMessagePage(BaseModel):
    items: list[BoardMessageRead]
    next_cursor: str | None = None


SupervisionRead.model_rebuild()
