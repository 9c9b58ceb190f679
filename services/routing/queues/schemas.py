from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class QueueItem(BaseModel):
    id: uuid.UUID
    tracking_code: str
    kind: str
    title: str
    status: str
    public_status: str
    unit_code: str
    assignee: str | None
    received_at: datetime
    due_at: datetime | None
    due_kind: str | None


class QueuePage(BaseModel):
    unit_code: str
    items: list[QueueItem]
    next_cursor: str | None = None
    # Cases of the unit per status, under the same filters except `status`.
    counts: dict[str, int]
