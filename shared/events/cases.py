"""The case aggregate's events, on `tiepdan.case-events` keyed by case id.

Every event a unit's step produces carries `status`, the case's public status after the
step, and `public_note`, what the citizen may read about it (None: nothing public). Intake
keeps the citizen's view from these two without knowing each step's rules. Nothing here
ever carries a submitter's identity.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from shared.events.envelope import EventData

# Public statuses (api.md)
SUBMITTED, ROUTED, ACCEPTED, INFO_REQUESTED = "submitted", "routed", "accepted", "info_requested"
RESOLVED, CLOSED, REJECTED, WITHDRAWN, APPEALED = (
    "resolved",
    "closed",
    "rejected",
    "withdrawn",
    "appealed",
)


class Location(EventData):
    unit_code: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None


class Target(EventData):
    unit_code: str | None = None
    decision_ref: str | None = None
    person: str | None = None


class DialoguePreference(EventData):
    topic: str
    preferred_dates: list[date] = Field(default_factory=list)


class CaseSubmitted(EventData):
    """From intake. Public fields only."""

    tracking_code: str
    kind: str
    title: str
    description: str
    category: str | None = None
    location: Location
    target: Target | None = None
    channel: str
    submitted_at: datetime
    anonymous: bool
    publish_consent: bool = False
    dialogue: DialoguePreference | None = None
    # Set when this case is a second-time complaint created from an appeal.
    appeal_of: uuid.UUID | None = None
    # Attachments' public references (object keys), never their content.
    attachments: list[str] = Field(default_factory=list)
    # An opaque reference intake resolves to the citizen's channels (never an address), for
    # notification to ask intake at delivery time; None: the citizen gave none.
    contact_ref: str | None = None
    # The channel the citizen chose for notices: email | sms | none. Events from before the
    # choice existed went by e-mail, hence the default.
    contact_channel: str = "email"
    language: str = "vi"  # the citizen's language for notices: vi | en
    # "board": a feedback also addressed to the unit's people's inspection board, which
    # finds it in its queue (routing); "unit": the unit's officials only.
    addressed_to: str = "unit"


class UnitStep(EventData):
    """The common part of every step a unit takes on a case (from routing)."""

    tracking_code: str
    kind: str
    unit_code: str
    province_code: str
    actor: str  # the official's subject, or "system:<service>"
    status: str
    public_note: str | None = None


class CaseRouted(UnitStep):
    received_at: datetime
    unit_name: str
    rule: str
    reason: str
    status: str = ROUTED
    # The unit is in a remote area (longer periods, Khiếu nại Điều 28, 33, 37).
    remote_area: bool = False
    # A second-time complaint (Khiếu nại Điều 36-37), e.g. opened from an appeal.
    second_time: bool = False
    # The first-time case an appeal contests: its citizen is this case's citizen.
    appeal_of: uuid.UUID | None = None


class CaseAccepted(UnitStep):
    accepted_on: date
    status: str = ACCEPTED


class CaseRejected(UnitStep):
    reason_code: str  # from the data list of legal grounds (Khiếu nại Điều 11, Tố cáo Điều 29)
    reason: str
    status: str = REJECTED


class CaseTransferred(UnitStep):
    """The case left `from_unit_code` for `unit_code` (the competent unit)."""

    from_unit_code: str
    unit_name: str
    reason: str
    status: str = ROUTED
    remote_area: bool = False  # of the receiving unit


class CaseAssigned(UnitStep):
    assignee: str


class CaseInfoRequested(UnitStep):
    question: str
    status: str = INFO_REQUESTED


class CaseMessageAdded(EventData):
    """A message on the case's conversation, from either side."""

    message_id: uuid.UUID
    author: str  # "citizen" or "official"
    visibility: str  # "citizen" (both sides see it) or "internal" (officials only)
    text: str | None = None  # carried only when visibility is "citizen"
    actor: str
    # Object keys of files the author attached with this message (intake's attachments).
    attachments: list[str] = Field(default_factory=list)
    # "unit" (the case's conversation), or "board": a citizen's message about how the case
    # is handled, for the people's inspection board of the case's unit (issue 17).
    addressed_to: str = "unit"


class CaseDialogueScheduled(UnitStep):
    dialogue_id: uuid.UUID
    session: str  # "dialogue" or "reception"
    starts_at: datetime
    place: str


class CaseDialogueHeld(UnitStep):
    dialogue_id: uuid.UUID
    held_at: datetime
    participants: list[str] = Field(default_factory=list)
    absentees: list[str] = Field(default_factory=list)
    outcome: str


class CaseExtended(UnitStep):
    complexity: str  # "complex" or "very_complex"
    reason: str
    decision_ref: str | None = None


class CaseSuspended(UnitStep):
    reason: str
    decision_ref: str | None = None
    suspended_on: date | None = None  # the decision's date as entered (None: the event's day)


class CaseResumed(UnitStep):
    decision_ref: str | None = None
    resumed_on: date | None = None  # the decision to continue's date (None: the event's day)


class CaseSuspensionNoticeSent(UnitStep):
    """The suspension decision was sent to the parties (Tố cáo Điều 34: within 5 working days
    of the decision's date, a clock of its own that runs while the resolution period stops)."""

    sent_on: date  # the day it was sent, as entered
    how: str  # in_person | post | electronic
    evidence_ref: str | None = None
    suspended_on: date  # the date of the suspension decision that was sent
    decision_ref: str | None = None  # that decision's reference


class CaseResolved(UnitStep):
    summary: str
    decision_ref: str | None = None
    publish: bool = False
    resolved_on: date
    status: str = RESOLVED


class CaseDecisionDelivered(UnitStep):
    """The complainant received the decision (Khiếu nại Điều 33: the appeal window, and the
    court's (Tố tụng hành chính Điều 116), run from this day, not from the decision's date)."""

    received_on: date
    how: str  # in_person | post | electronic
    evidence_ref: str | None = None
    decision_ref: str | None = None


class CaseClosed(UnitStep):
    status: str = CLOSED


class CaseReclassified(UnitStep):
    from_kind: str
    reason: str


class CaseWithdrawn(EventData):
    """From intake: the citizen withdrew."""

    reason: str | None = None
    status: str = WITHDRAWN


class CaseRated(EventData):
    """From intake: the citizen's rating of the answer."""

    score: int
    comment: str | None = None


class LateReason(EventData):
    """Why an appeal comes after its window (Luật Khiếu nại Điều 9 khoản 2): illness, disaster,
    work or study far away, or another objective obstacle; the official decides on it."""

    ground: str  # illness | disaster | far_away | other_obstacle
    text: str


class CaseAppealed(EventData):
    """From intake: the citizen contests the resolution. For a first-time complaint, routing
    opens `new_case_id`, a second-time complaint at the direct superior unit."""

    reason: str
    new_case_id: uuid.UUID
    new_tracking_code: str
    status: str = APPEALED
    late_reason: LateReason | None = None  # after the window: the reason the citizen stated


CASE_SUBMITTED = "case.submitted"
CASE_ROUTED = "case.routed"
CASE_ACCEPTED = "case.accepted"
CASE_REJECTED = "case.rejected"
CASE_TRANSFERRED = "case.transferred"
CASE_ASSIGNED = "case.assigned"
CASE_INFO_REQUESTED = "case.info_requested"
CASE_MESSAGE_ADDED = "case.message_added"
CASE_DIALOGUE_SCHEDULED = "case.dialogue_scheduled"
CASE_DIALOGUE_HELD = "case.dialogue_held"
CASE_EXTENDED = "case.extended"
CASE_SUSPENDED = "case.suspended"
CASE_RESUMED = "case.resumed"
CASE_SUSPENSION_NOTICE_SENT = "case.suspension_notice_sent"
CASE_RESOLVED = "case.resolved"
CASE_CLOSED = "case.closed"
CASE_DECISION_DELIVERED = "case.decision_delivered"
CASE_RECLASSIFIED = "case.reclassified"
CASE_WITHDRAWN = "case.withdrawn"
CASE_RATED = "case.rated"
CASE_APPEALED = "case.appealed"
