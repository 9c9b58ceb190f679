"""The officials' commands: one request model per step, and what every step answers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

Kind = Literal["complaint", "denunciation", "petition", "feedback", "dialogue_request"]
Text = Field(min_length=1, max_length=2000)


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AcceptCommand(_Command):
    note: str | None = Field(default=None, max_length=2000)


class RejectCommand(_Command):
    reason: str = Field(min_length=1, max_length=32, description="a code from the legal grounds")
    note: str | None = Field(default=None, max_length=2000)


class TransferCommand(_Command):
    to_unit_code: str = Field(min_length=1, max_length=16)
    reason: str = Text


class AssignCommand(_Command):
    assignee: str = Field(min_length=1, max_length=200)


class RequestInfoCommand(_Command):
    question: str = Text


class MessageCommand(_Command):
    text: str = Field(min_length=1, max_length=20000)
    visibility: Literal["internal", "citizen"] = "internal"


class ExtendCommand(_Command):
    reason: str = Text
    complexity: Literal["complex", "very_complex"]
    decision_ref: str | None = Field(default=None, max_length=100)


class DialogueCommand(_Command):
    """A session of its own (starts_at, place), or a seat in a unit's published reception
    session (reception_session_id: its time and place)."""

    session: Literal["dialogue", "reception"] = "dialogue"
    starts_at: AwareDatetime | None = None
    place: str | None = Field(default=None, min_length=1, max_length=500)
    reception_session_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=2000)
    # The citizen agreed to a session sooner than the law's least notice.
    citizen_agreed: bool = False

    @model_validator(mode="after")
    def _when_and_where(self) -> DialogueCommand:
        if self.reception_session_id is None and (self.starts_at is None or self.place is None):
            raise ValueError("give starts_at and place, or a reception_session_id")
        if self.reception_session_id is not None and (self.starts_at or self.place):
            raise ValueError("a booked session's time and place are the session's own")
        return self


class MinutesCommand(_Command):
    held_at: AwareDatetime
    participants: list[str] = Field(min_length=1, max_length=200)
    absentees: list[str] = Field(default_factory=list, max_length=200)
    outcome: str = Field(min_length=1, max_length=20000)


class ResolveCommand(_Command):
    summary: str = Field(min_length=1, max_length=20000)
    decision_ref: str | None = Field(default=None, max_length=100)
    publish: bool = False


class DeliveryCommand(_Command):
    received_on: date
    how: Literal["in_person", "post", "electronic"]
    evidence_ref: str | None = Field(default=None, max_length=200)


class LateAppealCommand(_Command):
    decision: Literal["accept", "refuse"]
    reason: str = Text


class SeveralPlacesCommand(_Command):
    reason: str = Text


class CloseCommand(_Command):
    note: str | None = Field(default=None, max_length=2000)


class ReclassifyCommand(_Command):
    kind: Kind
    reason: str = Text


class SuspendCommand(_Command):
    reason: str = Text
    decision_ref: str | None = Field(default=None, max_length=100)
    decided_on: date  # the suspension decision's date: the clock stops from it


class SuspensionNoticeCommand(_Command):
    sent_on: date  # the day the suspension decision was sent to the parties, as entered
    how: Literal["in_person", "post", "electronic"]
    evidence_ref: str | None = Field(default=None, max_length=200)


class ResumeCommand(_Command):
    decision_ref: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=2000)
    # The decision to continue's date (required after a suspension): the clock runs from it.
    decided_on: date | None = None


class StepDone(BaseModel):
    """What every step answers: the case's state after it, and the steps now allowed."""

    case_id: uuid.UUID
    step: str
    status: str
    public_status: str
    unit_code: str
    kind: str
    assignee: str | None
    version: int
    allowed: list[str]
    event_id: uuid.UUID | None = None
    dialogue_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None


class MessageRead(BaseModel):
    id: uuid.UUID
    author: str
    visibility: str
    text: str | None
    actor: str
    at: datetime


class MessagePage(BaseModel):
    items: list[MessageRead]
    next_cursor: str | None = None


class GroundRead(BaseModel):
    code: str
    law: str
    article: str
    kinds: list[str]
    text: str
