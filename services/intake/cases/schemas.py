from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from services.intake.categories.schemas import CaseKind
from shared.dates import IsoDate
from shared.text import Text


class Channel(StrEnum):
    web = "web"
    mobile = "mobile"
    open311 = "open311"
    hotline = "hotline"
    in_person = "in_person"
    post = "post"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocationIn(_In):
    unit_code: Annotated[str, Field(pattern=r"^\d{2}(\d{3})?$")] | None = None
    address: Text(1, 500) | None = None  # type: ignore[valid-type]
    lat: Annotated[float, Field(ge=8.0, le=23.5)] | None = None
    lon: Annotated[float, Field(ge=102.0, le=117.5)] | None = None

    @model_validator(mode="after")
    def _somewhere(self) -> Self:
        if self.unit_code is None and (self.lat is None or self.lon is None):
            raise ValueError("unit_code, or lat and lon, is required")
        return self


class NotifyBy(StrEnum):
    email = "email"
    sms = "sms"
    none = "none"


class Language(StrEnum):
    vi = "vi"
    en = "en"


class SubmitterIn(_In):
    full_name: Text(1, 200)  # type: ignore[valid-type]
    national_id: Annotated[str, Field(pattern=r"^\d{9}(\d{3})?$")] | None = None
    phone: Annotated[str, Field(pattern=r"^\+?[0-9 .-]{8,20}$")] | None = None
    email: EmailStr | None = None
    address: Text(1, 500) | None = None  # type: ignore[valid-type]
    # After phone and email: the validator below reads them.
    notify_by: NotifyBy | None = Field(
        default=None,
        description=(
            "How the citizen is told of each public step of the case (received, routed, "
            "accepted, resolved, ...): `email`, `sms` or `none`. Default: `email` when an "
            "email is given, else `sms` when a phone is given, else `none`. `sms` needs "
            "`phone` and `email` needs `email` (422 otherwise). A denunciation's SMS carries "
            "only the tracking code (Luật Tố cáo Điều 47)."
        ),
    )
    language: Language = Field(
        default=Language.vi, description="The language of those notices: `vi` or `en`."
    )

    @field_validator("notify_by")
    @classmethod
    def _has_the_address(cls, value: NotifyBy | None, info: ValidationInfo) -> NotifyBy | None:
        needed = {NotifyBy.sms: "phone", NotifyBy.email: "email"}.get(value or NotifyBy.none)
        if value is not None and needed is not None and not info.data.get(needed):
            raise ValueError(f"notify_by {value.value!r} needs the submitter's {needed}")
        return value

    @property
    def reachable(self) -> bool:
        return bool(self.phone or self.email or self.address)

    @property
    def contact_channel(self) -> NotifyBy:
        """The channel the citizen's notices take: the one chosen, or the default."""
        if self.notify_by is not None:
            return self.notify_by
        return NotifyBy.email if self.email else NotifyBy.sms if self.phone else NotifyBy.none


class TargetIn(_In):
    unit_code: Annotated[str, Field(pattern=r"^[0-9A-Z-]{2,16}$")] | None = None
    decision_ref: Text(1, 200) | None = None  # type: ignore[valid-type]
    person: Text(1, 200) | None = None  # type: ignore[valid-type]

    @property
    def empty(self) -> bool:
        return not (self.unit_code or self.decision_ref or self.person)


class DialogueIn(_In):
    """What a dialogue request asks the head of the unit to discuss, and when the citizen can."""

    topic: Text(1, 500)  # type: ignore[valid-type]
    preferred_dates: Annotated[list[IsoDate], Field(max_length=10)] = Field(default_factory=list)


class CaseCreate(_In):
    kind: CaseKind
    title: Text(1, 200)  # type: ignore[valid-type]
    description: Text(1, 20000)  # type: ignore[valid-type]
    category: Annotated[str, Field(pattern=r"^[a-z0-9_.-]{1,64}$")] | None = None
    location: LocationIn
    submitter: SubmitterIn | None = None
    target: TargetIn | None = None
    publish_consent: bool = False
    channel: Channel = Channel.web
    dialogue: DialogueIn | None = None
    # A feedback about how the unit handles cases, for the unit's people's inspection board
    # (ban thanh tra nhân dân) as well as for the unit: "board" is allowed on feedback only.
    addressed_to: Literal["unit", "board"] = "unit"


class UnitRef(BaseModel):
    code: str
    name: str


class DeadlineRead(BaseModel):
    kind: str
    due_at: datetime | None
    state: str
    basis: str


class TimelineRead(BaseModel):
    status: str | None
    step: str
    at: datetime
    note: str | None = None


class CaseCreated(BaseModel):
    id: uuid.UUID
    tracking_code: str
    access_token: str
    status: str
    submitted_at: datetime


class ResolutionRead(BaseModel):
    summary: str
    decision_ref: str | None = None
    resolved_on: date
    received_on: date | None = None  # the day the complainant received the decision


class CourtWindowRead(BaseModel):
    """The citizen's own time to sue instead (a limit on the citizen: shown, no timer)."""

    basis: str
    period: str
    text: str
    runs_from: date | None  # the day the decision was received, once recorded
    # The due date on the one working-day calendar: notification's public calculator.
    calculator: str | None = None


class MessageRead(BaseModel):
    id: uuid.UUID
    author: str
    text: str
    at: datetime


class AttachmentRead(BaseModel):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int


class RatingRead(BaseModel):
    score: int
    comment: str | None = None


class CasePublic(BaseModel):
    tracking_code: str
    kind: CaseKind
    category: str | None = None
    status: str
    unit: UnitRef | None = None
    submitted_at: datetime
    deadlines: list[DeadlineRead] = Field(default_factory=list)
    timeline: list[TimelineRead] = Field(default_factory=list)
    resolution: ResolutionRead | None = None
    # The citizen's full view only (with X-Case-Token):
    title: str | None = None
    description: str | None = None
    submitter: dict[str, str] | None = None
    dialogue: dict[str, object] | None = None
    messages: list[MessageRead] | None = None
    attachments: list[AttachmentRead] | None = None
    court_window: CourtWindowRead | None = None
    rating: RatingRead | None = None
    appeal_of: str | None = None  # the first case's tracking code, for a second-time complaint
    appealed_as: str | None = None  # the second-time case's tracking code
