from __future__ import annotations

from pydantic import BaseModel, Field

from services.notification.calendar.schemas import DeadlineMoved
from services.notification.policies.rules import Policy


class PolicyRead(Policy):
    overridden: bool = False


class PolicyCorrected(PolicyRead):
    # The running deadlines the correction moved (on a dry run: would move; nothing stored).
    dry_run: bool = False
    moved: list[DeadlineMoved] = Field(default_factory=list)


class PolicyList(BaseModel):
    items: list[PolicyRead]


class PolicyCorrection(BaseModel):
    policy: Policy
    reason: str = Field(min_length=1, max_length=500)
