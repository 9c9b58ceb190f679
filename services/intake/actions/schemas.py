from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.text import Text


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MessageCreate(_In):
    text: Text(1, 5000)  # type: ignore[valid-type]
    # "board": to the people's inspection board of the case's unit, about how the case is
    # being handled; it does not enter the officials' conversation.
    to: Literal["unit", "board"] = "unit"


class WithdrawCreate(_In):
    reason: Text(1, 2000) | None = None  # type: ignore[valid-type]


class RatingCreate(_In):
    score: Annotated[int, Field(ge=1, le=5)]
    comment: Text(1, 2000) | None = None  # type: ignore[valid-type]


class LateReasonIn(_In):
    """Luật Khiếu nại Điều 9 khoản 2: what kept the citizen from appealing in time."""

    ground: Literal["illness", "disaster", "far_away", "other_obstacle"]
    text: Text(1, 2000)  # type: ignore[valid-type]


class AppealCreate(_In):
    reason: Text(1, 5000)  # type: ignore[valid-type]
    late_reason: LateReasonIn | None = None


class MessageCreated(BaseModel):
    id: uuid.UUID
    at: datetime


class StatusChanged(BaseModel):
    tracking_code: str
    status: str
    at: datetime


class AppealCreated(BaseModel):
    tracking_code: str
    status: str
    new_case_id: uuid.UUID
    new_tracking_code: str
    at: datetime
