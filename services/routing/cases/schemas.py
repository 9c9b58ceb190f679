from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class OfficialCaseRead(BaseModel):
    id: uuid.UUID
    tracking_code: str
    kind: str
    title: str
    description: str
    category: str | None
    unit_code: str
    province_code: str
    status: str
    received_at: datetime
    rule: str
    reason: str
    version: int
    public_status: str | None = None
    assignee: str | None = None
    complexity: str | None = None
    appeal_of: uuid.UUID | None = None
    accepted_at: datetime | None = None
    resolved_at: datetime | None = None
    due_at: datetime | None = None
    due_kind: str | None = None
    rating_score: int | None = None
    allowed: list[str] = []


class StepRead(BaseModel):
    step: str
    actor: str
    at: datetime
    from_status: str | None
    to_status: str | None
    reason: str | None
    data: dict[str, Any] | None


class History(BaseModel):
    items: list[StepRead]
    next_cursor: str | None = None
