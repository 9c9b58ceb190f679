from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field


class Day(BaseModel):
    date: date
    working: bool
    reason: str | None


class DayList(BaseModel):
    items: list[Day]


class DeadlineMoved(BaseModel):
    """A running deadline a calendar or policy correction moves (or would, on a dry run).

    Here, at the bottom, because both corrections answer with it (the policies' too); the
    deadlines feature, above, fills it in."""

    deadline_id: uuid.UUID
    case_id: uuid.UUID
    step: str
    policy_id: str
    due_on_before: date
    due_on_after: date


class OverrideWrite(BaseModel):
    working: bool
    reason: str = Field(min_length=1, max_length=300)


class OverrideRead(OverrideWrite):
    date: date
    changed_by: str
    changed_at: datetime
    # The running deadlines the correction moved (on a dry run: would move; nothing stored).
    dry_run: bool = False
    moved: list[DeadlineMoved] = Field(default_factory=list)


class OverrideList(BaseModel):
    items: list[OverrideRead]
