from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class NotificationRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    audience: str
    channel: str
    recipient: str  # an official address, or "contact:<ref>" (never a citizen's address)
    template: str
    language: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationRead]
    next_cursor: str | None = None


class UnitContactWrite(BaseModel):
    channel: str = Field(pattern="^(email|sms|webhook)$")
    address: str = Field(min_length=3, max_length=500)
    language: str = Field(default="vi", pattern="^(vi|en)$")


class UnitContactList(BaseModel):
    items: list[UnitContactWrite]
