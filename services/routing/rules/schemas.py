"""Routing rules as data: what an administrator writes, and what explain answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.dates import IsoDate

Kind = Literal["complaint", "denunciation", "petition", "feedback", "dialogue_request"]
RouteTo = Literal[
    "commune_committee",
    "province_committee",
    "province_department",
    "target_body",
    "target_superior",
    "unit",
]


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_.-]{1,100}$")
    kinds: list[Kind] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    place: Literal["commune", "province", "anywhere"] = "anywhere"
    target_person: list[str] = Field(default_factory=list)
    route_to: RouteTo
    unit_code: str | None = Field(default=None, max_length=16)
    field: str | None = Field(default=None, max_length=64)
    reason: str = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _unit_for_fixed_routes(self) -> RuleSpec:
        if self.route_to == "unit" and not self.unit_code:
            raise ValueError("route_to unit needs unit_code")
        return self


class RuleSetWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective_from: IsoDate
    rules: list[RuleSpec] = Field(min_length=1, max_length=500)
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSetWrite:
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        return self


class RuleSetRead(RuleSetWrite):
    version: int  # 0: the built-in set from rules.yaml
    created_by: str | None = None
    created_at: datetime | None = None


class DraftLocation(BaseModel):
    unit_code: str | None = Field(default=None, max_length=16)


class DraftTarget(BaseModel):
    unit_code: str | None = Field(default=None, max_length=16)
    person: str | None = Field(default=None, max_length=200)
    decision_ref: str | None = Field(default=None, max_length=100)


class CaseDraft(BaseModel):
    """What routing needs of a case to decide where it goes."""

    kind: Kind
    category: str | None = Field(default=None, max_length=64)
    location: DraftLocation = Field(default_factory=DraftLocation)
    target: DraftTarget | None = None
    received_on: IsoDate | None = None  # the rules in force that day (default: today)


class Explanation(BaseModel):
    unit_code: str
    unit_name: str
    rule: str
    reason: str
    rules_version: int
