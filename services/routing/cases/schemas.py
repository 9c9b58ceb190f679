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
