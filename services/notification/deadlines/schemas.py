from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel


class DeadlineChangeRead(BaseModel):
    change: str  # set, extended, paused, resumed, met, breached, cancelled, extension_refused
    at: datetime
    state: str
    due_at: datetime | None
    reason: str | None
    decision_ref: str | None


class DeadlineRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    kind: str
    step: str
    unit_code: str
    basis: str
    policy_id: str
    starts_on: date
    due_on: date
    due_at: datetime | None  # None while paused
    state: str  # running | paused | met | breached | expired | cancelled
    extensions: int = 0
    complexity: str | None = None
    met_at: datetime | None = None
    breached_at: datetime | None = None
    history: list[DeadlineChangeRead] = []


class DeadlineList(BaseModel):
    items: list[DeadlineRead]
    next_cursor: str | None = None
