"""Deadline policies: loaded from data, chosen by the case's kind and its day of receipt.

The YAML file carries the law as shipped; an administrator corrects or adds policies in the
database (`policy_overrides`, see `policies/endpoints.py`), which replace the file's policy of
the same id. A case keeps the rules in force on the day it was received.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.notification.calendar.working_days import WorkingDayCalendar
from shared.dates import IsoDate
from shared.events import DeadlineStep

DEFAULT_FILE = Path(__file__).with_name("policies.yaml")


class Unit(StrEnum):
    working_days = "working_days"
    calendar_days = "calendar_days"
    years = "years"  # ends on the same day of the last year (a limit on the citizen)


class Variant(BaseModel):
    """Another duration for a case that is remote, complex, very complex, several places..."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    duration: int = Field(ge=1, le=365)
    unit: Unit | None = None  # the policy's own unit when absent
    basis: str | None = None


class Extension(BaseModel):
    """What an extension decision (case.extended) may do to this clock.

    `recompute`: the complexity selects a variant (complaint: 30 -> 45 days).
    `add`: each decision adds `days`, at most `max_by_complexity[complexity]` times
    (denunciation: complex once, very complex twice, 30 days each).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["recompute", "add"]
    days: int | None = Field(default=None, ge=1, le=365)
    max_by_complexity: dict[str, int] = Field(default_factory=dict)
    needs_decision: bool = False
    basis: str | None = None


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kinds: tuple[str, ...]
    step: DeadlineStep  # the one vocabulary routing's queues use too
    # The starting events: received, accepted, resolved, resolve_deadline_passed, ... A policy
    # written with one event (a string, as older overrides are stored) reads as a list of one.
    starts: tuple[str, ...] = Field(min_length=1)
    duration: int = Field(ge=1, le=365)
    unit: Unit
    law: str = ""
    article: str = ""
    basis: str = ""  # "law, article (note)"; built from law and article when absent
    effective_from: IsoDate
    check: bool = False  # a fact from a secondary source: confirm against the gazette
    attempt: Literal["any", "first", "second"] = "any"  # complaints: first or second time
    variants: dict[str, Variant] = Field(default_factory=dict)
    extension: Extension | None = None
    # False: listed for reference (a limit on the citizen, a notice period), no clock is run.
    timer: bool = True
    # unit: the unit owes the step (breach escalates); citizen: the citizen's window (it expires)
    party: Literal["unit", "citizen"] = "unit"
    # True: each clock runs to a date the unit committed to (a recommendation's follow-up
    # action), not to this duration; correcting the policy never moves those dates.
    committed: bool = False
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _basis_from_law(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("basis") and data.get("law"):
            data = {**data, "basis": f"{data['law']}, {data.get('article', '')}".strip(", ")}
        if isinstance(data, dict) and isinstance(data.get("starts"), str):
            data = {**data, "starts": (data["starts"],)}
        return data

    def variant_key(self, *, remote: bool = False, complexity: str | None = None) -> str | None:
        """The most specific variant the case qualifies for, or None for the base duration."""
        candidates = []
        if complexity and remote:
            candidates += [f"remote_{complexity}", "remote_complex"]
        if complexity:
            candidates += [complexity, "complex"]
        if remote:
            candidates.append("remote")
        return next((key for key in candidates if key in self.variants), None)

    def period(self, *, remote: bool = False, complexity: str | None = None) -> tuple[int, Unit]:
        key = self.variant_key(remote=remote, complexity=complexity)
        if key is None:
            return self.duration, self.unit
        variant = self.variants[key]
        return variant.duration, variant.unit or self.unit

    def due_on(
        self,
        start: date,
        calendar: WorkingDayCalendar,
        *,
        remote: bool = False,
        complexity: str | None = None,
    ) -> date:
        """The last day of the period; the day of the starting event is not counted."""
        duration, unit = self.period(remote=remote, complexity=complexity)
        return add_days(calendar, unit, start, duration)

    def applies(self, kind: str, on: date, attempt: str) -> bool:
        """In force for a case of this kind received on `on`, at this attempt."""
        return kind in self.kinds and self.attempt in ("any", attempt) and self.effective_from <= on

    def extension_refusal(self, complexity: str | None, granted: int) -> str | None:
        """Why one more extension (after `granted`) is not lawful, or None when it is."""
        ext = self.extension
        if ext is None:
            return f"{self.id}: the law allows no extension of this step"
        if complexity not in ext.max_by_complexity:
            return f"complexity {complexity!r} does not allow an extension"
        if granted >= ext.max_by_complexity[complexity]:
            return (
                f"{complexity} allows {ext.max_by_complexity[complexity]} extension(s); "
                f"{granted} already granted"
            )
        return None

    def extended_duration(self, duration: int, complexity: str, *, remote: bool) -> int:
        """The period after one more lawful extension: `add` adds its days, `recompute` takes
        the complexity's variant (never shorter)."""
        assert self.extension is not None
        if self.extension.mode == "add":
            return duration + (self.extension.days or 0)
        return max(duration, self.period(remote=remote, complexity=complexity)[0])


def add_days(calendar: WorkingDayCalendar, unit: Unit, start: date, days: int) -> date:
    if days < 1:
        # Nothing left (a clock paused on its last day): it ends on the first working day.
        return start if calendar.is_working_day(start) else calendar.next_working_day(start)
    if unit is Unit.working_days:
        return calendar.add_working_days(start, days)
    if unit is Unit.years:
        return add_years(calendar, start, days)
    return calendar.add_calendar_days(start, days)


def year_end(start: date, years: int) -> date:
    """Bộ luật Dân sự Điều 148: a period of years ends on the same day and month of its last
    year (from 29 Feb: the month's last day, 28 Feb)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, start.month, 28)


def add_years(calendar: WorkingDayCalendar, start: date, years: int) -> date:
    """The last day of a period of years, moved to the next working day when off."""
    end = year_end(start, years)
    return end if calendar.is_working_day(end) else calendar.next_working_day(end)


def days_used(calendar: WorkingDayCalendar, unit: Unit, start: date, until: date) -> int:
    """Days of the period consumed from `start` (excluded) to `until` (included)."""
    if until <= start:
        return 0
    if unit is Unit.working_days:
        return len(calendar.working_days_between(start, until))
    return (until - start).days


class PolicyBook:
    def __init__(self, policies: Iterable[Policy]) -> None:
        self.policies = sorted(policies, key=lambda p: (p.effective_from, p.id))
        self._by_id = {p.id: p for p in self.policies}

    @classmethod
    def load(cls, path: Path = DEFAULT_FILE) -> PolicyBook:
        """The book of a file, read once per process (0.1 s of CPU at each start): it is
        never changed in place (`with_overrides` makes another)."""
        return _read_book(path)

    def with_overrides(self, overrides: Iterable[Policy]) -> PolicyBook:
        """The file's policies with the administrators' corrections (same id) and additions."""
        merged = dict(self._by_id)
        for policy in overrides:
            merged[policy.id] = policy
        return PolicyBook(merged.values())

    def get(self, policy_id: str) -> Policy | None:
        return self._by_id.get(policy_id)

    def in_force(
        self, kind: str, starts: str, on: date, *, second_time: bool = False
    ) -> list[Policy]:
        """For each step, the newest policy in force on the day the case was received."""
        attempt = "second" if second_time else "first"
        chosen: dict[str, Policy] = {}
        for policy in self.policies:
            if starts in policy.starts and policy.timer and policy.applies(kind, on, attempt):
                chosen[policy.step] = policy
        return list(chosen.values())

    def for_step(
        self, kind: str, step: str, on: date, *, second_time: bool = False
    ) -> Policy | None:
        """The newest policy in force for one step of a case received on `on`, timer or not."""
        attempt = "second" if second_time else "first"
        chosen = None
        for policy in self.policies:  # oldest first: the last that applies is the newest
            if policy.step == step and policy.applies(kind, on, attempt):
                chosen = policy
        return chosen


@functools.cache
def _read_book(path: Path) -> PolicyBook:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return PolicyBook([Policy.model_validate(item) for item in raw])
