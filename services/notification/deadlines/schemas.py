from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel


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
    due_at: datetime
    state: str


class DeadlineList(BaseModel):
    items: list[DeadlineRead]
    next_cursor: str | None = None
