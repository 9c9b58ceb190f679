"""Deadline policies: loaded from data, chosen by the case's kind and its day of receipt."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from services.notification.calendar.working_days import WorkingDayCalendar

DEFAULT_FILE = Path(__file__).with_name("policies.yaml")


class Unit(StrEnum):
    working_days = "working_days"
    calendar_days = "calendar_days"


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kinds: tuple[str, ...]
    step: str
    starts: str
    duration: int = Field(ge=1, le=365)
    unit: Unit
    basis: str
    effective_from: date
    check: bool = False

    def due_on(self, start: date, calendar: WorkingDayCalendar) -> date:
        """The last day of the period; the day of the starting event is not counted."""
        if self.unit is Unit.working_days:
            return calendar.add_working_days(start, self.duration)
        return calendar.add_calendar_days(start, self.duration)


class PolicyBook:
    def __init__(self, policies: list[Policy]) -> None:
        self.policies = sorted(policies, key=lambda p: p.effective_from)

    @classmethod
    def load(cls, path: Path = DEFAULT_FILE) -> PolicyBook:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls([Policy.model_validate(item) for item in raw])

    def in_force(self, kind: str, starts: str, on: date) -> list[Policy]:
        """For each step, the newest policy in force on the day the case was received."""
        chosen: dict[str, Policy] = {}
        for policy in self.policies:
            if kind in policy.kinds and policy.starts == starts and policy.effective_from <= on:
                chosen[policy.step] = policy
        return list(chosen.values())
