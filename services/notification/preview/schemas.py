from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel


class DeadlinePreview(BaseModel):
    """The due date the law gives one step, computed as a running clock would compute it."""

    policy_id: str
    law: str
    article: str
    duration: int
    unit: Literal["working_days", "calendar_days", "years"]
    start: date
    due_on: date
    due_at: datetime  # the end of due_on, +07:00 (Bộ luật Dân sự Điều 148 khoản 1)
    effective_from: date
    # working-day periods: the non-working days inside the period; calendar periods (days,
    # years): the days the end rolled over (Bộ luật Dân sự Điều 148 khoản 5)
    skipped: list[date]
    explanation: str
