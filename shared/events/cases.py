"""The case aggregate's events, on `tiepdan.case-events` keyed by case id.

Every event a unit's step produces carries `status`, the case's public status after the
step, and `public_note`, what the citizen may read about it (None: nothing public). Intake
keeps the citizen's view from these two without knowing each step's rules. Nothing here
ever carries a submitter's identity.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from shared.events.envelope import EventData


class CaseStatus(StrEnum):
    """A case's statuses, the one vocabulary of intake, routing and the events: the public ones of
    api.md, and routing's own `suspended`, which the citizen sees as "accepted" (the clock stops,
    the handling does not end)."""

    submitted = "submitted"
    routed = "routed"
    accepted = "accepted"
    info_requested = "info_requested"
    suspended = "suspended"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"
    withdrawn = "withdrawn"
    appealed = "appealed"


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


class CaseSubmitted(EventData, type="case.submitted"):
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


class CaseRouted(UnitStep, type="case.routed"):
    received_at: datetime
    unit_name: str
    rule: str
    reason: str
    status: str = CaseStatus.routed
    # The unit is in a remote area (longer periods, Khiếu nại Điều 28, 33, 37).
    remote_area: bool = False
    # A second-time complaint (Khiếu nại Điều 36-37), e.g. opened from an appeal.
    second_time: bool = False
    # The first-time case an appeal contests: its citizen is this case's citizen.
    appeal_of: uuid.UUID | None = None


class CaseAccepted(UnitStep, type="case.accepted"):
    accepted_on: date
    status: str = CaseStatus.accepted


class CaseRejected(UnitStep, type="case.rejected"):
    reason_code: str  # from the data list of legal grounds (Khiếu nại Điều 11, Tố cáo Điều 29)
    reason: str
    status: str = CaseStatus.rejected


class CaseTransferred(UnitStep, type="case.transferred"):
    """The case left `from_unit_code` for `unit_code` (the competent unit)."""

    from_unit_code: str
    unit_name: str
    reason: str
    status: str = CaseStatus.routed
    remote_area: bool = False  # of the receiving unit


class CaseAssigned(UnitStep, type="case.assigned"):
    assignee: str


class CaseInfoRequested(UnitStep, type="case.info_requested"):
    question: str
    status: str = CaseStatus.info_requested


class CaseMessageAdded(EventData, type="case.message_added"):
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


class CaseDialogueScheduled(UnitStep, type="case.dialogue_scheduled"):
    dialogue_id: uuid.UUID
    session: str  # "dialogue" or "reception"
    starts_at: datetime
    place: str


class CaseDialogueHeld(UnitStep, type="case.dialogue_held"):
    dialogue_id: uuid.UUID
    held_at: datetime
    participants: list[str] = Field(default_factory=list)
    absentees: list[str] = Field(default_factory=list)
    outcome: str


class CaseExtended(UnitStep, type="case.extended"):
    complexity: str  # "complex" or "very_complex"
    reason: str
    decision_ref: str | None = None


class CaseSuspended(UnitStep, type="case.suspended"):
    reason: str
    decision_ref: str | None = None
    suspended_on: date | None = None  # the decision's date as entered (None: the event's day)


class CaseResumed(UnitStep, type="case.resumed"):
    decision_ref: str | None = None
    resumed_on: date | None = None  # the decision to continue's date (None: the event's day)


class CaseSuspensionNoticeSent(UnitStep, type="case.suspension_notice_sent"):
    """The suspension decision was sent to the parties (Tố cáo Điều 34: within 5 working days
    of the decision's date, a clock of its own that runs while the resolution period stops)."""

    sent_on: date  # the day it was sent, as entered
    how: str  # in_person | post | electronic
    evidence_ref: str | None = None
    suspended_on: date  # the date of the suspension decision that was sent
    decision_ref: str | None = None  # that decision's reference


class CaseResolved(UnitStep, type="case.resolved"):
    summary: str
    decision_ref: str | None = None
    publish: bool = False
    resolved_on: date
    status: str = CaseStatus.resolved


class CaseDecisionDelivered(UnitStep, type="case.decision_delivered"):
    """The complainant received the decision (Khiếu nại Điều 33: the appeal window, and the
    court's (Tố tụng hành chính Điều 116), run from this day, not from the decision's date)."""

    received_on: date
    how: str  # in_person | post | electronic
    evidence_ref: str | None = None
    decision_ref: str | None = None


class CaseClosed(UnitStep, type="case.closed"):
    status: str = CaseStatus.closed


class CaseReclassified(UnitStep, type="case.reclassified"):
    from_kind: str
    reason: str


class CaseWithdrawn(EventData, type="case.withdrawn"):
    """From intake: the citizen withdrew."""

    reason: str | None = None
    status: str = CaseStatus.withdrawn


class CaseRated(EventData, type="case.rated"):
    """From intake: the citizen's rating of the answer."""

    score: int
    comment: str | None = None


class LateReason(EventData):
    """Why an appeal comes after its window (Luật Khiếu nại Điều 9 khoản 2): illness, disaster,
    work or study far away, or another objective obstacle; the official decides on it."""

    ground: str  # illness | disaster | far_away | other_obstacle
    text: str


class CaseAppealed(EventData, type="case.appealed"):
    """From intake: the citizen contests the resolution. For a first-time complaint, routing
    opens `new_case_id`, a second-time complaint at the direct superior unit."""

    reason: str
    new_case_id: uuid.UUID
    new_tracking_code: str
    status: str = CaseStatus.appealed
    late_reason: LateReason | None = None  # after the window: the reason the citizen stated


# The types by name, for the modules that import them so: the model is the type.
CASE_SUBMITTED = CaseSubmitted.type
CASE_ROUTED = CaseRouted.type
CASE_ACCEPTED = CaseAccepted.type
CASE_REJECTED = CaseRejected.type
CASE_TRANSFERRED = CaseTransferred.type
CASE_ASSIGNED = CaseAssigned.type
CASE_INFO_REQUESTED = CaseInfoRequested.type
CASE_MESSAGE_ADDED = CaseMessageAdded.type
CASE_DIALOGUE_SCHEDULED = CaseDialogueScheduled.type
CASE_DIALOGUE_HELD = CaseDialogueHeld.type
CASE_EXTENDED = CaseExtended.type
CASE_SUSPENDED = CaseSuspended.type
CASE_RESUMED = CaseResumed.type
CASE_SUSPENSION_NOTICE_SENT = CaseSuspensionNoticeSent.type
CASE_RESOLVED = CaseResolved.type
CASE_CLOSED = CaseClosed.type
CASE_DECISION_DELIVERED = CaseDecisionDelivered.type
CASE_RECLASSIFIED = CaseReclassified.type
CASE_WITHDRAWN = CaseWithdrawn.type
CASE_RATED = CaseRated.type
CASE_APPEALED = CaseAppealed.type
