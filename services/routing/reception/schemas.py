from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.dates import IsoAwareDateTime


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: IsoAwareDateTime
    ends_at: IsoAwareDateTime
    place: str = Field(min_length=1, max_length=500)
    host: str = Field(min_length=1, max_length=200, description="who receives: the unit's head")
    capacity: int = Field(default=20, ge=1, le=500)

    @model_validator(mode="after")
    def _ends_after_start(self) -> SessionCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class SessionRead(BaseModel):
    id: uuid.UUID
    unit_code: str
    starts_at: datetime
    ends_at: datetime
    place: str
    host: str
    capacity: int
    booked: int
    available: int


class SessionPage(BaseModel):
    items: list[SessionRead]
    next_cursor: str | None = None
