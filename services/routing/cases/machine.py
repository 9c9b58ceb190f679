"""The case-handling lifecycle as one table: from each status, the steps allowed and where they go.

Statuses are the one `CaseStatus`; `PUBLIC` maps each to the public status of api.md (a
suspended case is still "accepted" to the citizen: the clock stops, the handling does not end).
A case arrives submitted, and routing's first step is to route it.
"""

from __future__ import annotations

from enum import StrEnum

from shared.errors import Conflict
from shared.events import CaseStatus


class Step(StrEnum):
    # Officials' commands (api.md)
    accept = "accept"
    reject = "reject"
    transfer = "transfer"
    assign = "assign"
    request_info = "request-info"
    message = "messages"
    extend = "extend"
    several_places = "several-places"  # a denunciation checked in several places (Tố cáo Đ.24)
    late_appeal = "late-appeal"  # decide on a late appeal's reason (Khiếu nại Điều 9 khoản 2)
    schedule_dialogue = "dialogues"
    record_minutes = "minutes"
    resolve = "resolve"
    record_delivery = "delivery"
    close = "close"
    reclassify = "reclassify"
    suspend = "suspend"
    resume = "resume"
    record_suspension_notice = "suspension-notice"  # the suspension decision sent (Tố cáo Đ.34)
    # The citizen's acts, arriving as intake's events
    withdraw = "withdraw"
    rate = "rate"
    appeal = "appeal"
    # Routing's own: a submitted case (intake's case.submitted) goes to its unit. "routed" is
    # the name its audit rows have always had.
    route = "routed"


# "Back to where it was": a resumed case returns to the status it had before the pause.
PREVIOUS = "previous"

TRANSITIONS: dict[CaseStatus, dict[Step, CaseStatus | str]] = {
    CaseStatus.submitted: {Step.route: CaseStatus.routed},
    CaseStatus.routed: {
        Step.accept: CaseStatus.accepted,
        Step.reject: CaseStatus.rejected,
        Step.transfer: CaseStatus.routed,
        Step.assign: CaseStatus.routed,
        Step.request_info: CaseStatus.info_requested,
        Step.message: CaseStatus.routed,
        # A reception session can be booked before acceptance.
        Step.schedule_dialogue: CaseStatus.routed,
        Step.record_minutes: CaseStatus.routed,
        Step.reclassify: CaseStatus.routed,
        Step.several_places: CaseStatus.routed,
        Step.late_appeal: CaseStatus.routed,
        Step.withdraw: CaseStatus.withdrawn,
        # The first-time deadline passed without a decision (Khiếu nại Điều 33).
        Step.appeal: CaseStatus.appealed,
    },
    CaseStatus.info_requested: {
        Step.accept: CaseStatus.accepted,
        Step.reject: CaseStatus.rejected,
        Step.transfer: CaseStatus.routed,
        Step.assign: CaseStatus.info_requested,
        Step.message: CaseStatus.info_requested,
        Step.reclassify: CaseStatus.info_requested,
        Step.several_places: CaseStatus.info_requested,
        Step.late_appeal: CaseStatus.info_requested,
        Step.resume: PREVIOUS,  # also done for the official when the citizen answers
        Step.record_suspension_notice: CaseStatus.info_requested,
        Step.withdraw: CaseStatus.withdrawn,
        Step.appeal: CaseStatus.appealed,
    },
    CaseStatus.accepted: {
        Step.assign: CaseStatus.accepted,
        Step.request_info: CaseStatus.info_requested,
        Step.message: CaseStatus.accepted,
        Step.extend: CaseStatus.accepted,
        Step.schedule_dialogue: CaseStatus.accepted,
        Step.record_minutes: CaseStatus.accepted,
        Step.resolve: CaseStatus.resolved,
        Step.suspend: CaseStatus.suspended,
        Step.record_suspension_notice: CaseStatus.accepted,  # sent after the decision to continue
        Step.withdraw: CaseStatus.withdrawn,
        Step.appeal: CaseStatus.appealed,
    },
    CaseStatus.suspended: {
        Step.assign: CaseStatus.suspended,
        Step.message: CaseStatus.suspended,
        Step.resume: PREVIOUS,
        Step.record_suspension_notice: CaseStatus.suspended,
        Step.withdraw: CaseStatus.withdrawn,
        Step.appeal: CaseStatus.appealed,
    },
    CaseStatus.resolved: {
        Step.message: CaseStatus.resolved,
        Step.record_delivery: CaseStatus.resolved,
        Step.record_suspension_notice: CaseStatus.resolved,  # a suspension's decision, sent late
        Step.close: CaseStatus.closed,
        Step.rate: CaseStatus.resolved,
        Step.appeal: CaseStatus.appealed,
    },
    CaseStatus.closed: {
        Step.record_delivery: CaseStatus.closed,  # the decision may reach the citizen after closing
        Step.record_suspension_notice: CaseStatus.closed,
        Step.rate: CaseStatus.closed,
        # Within the appeal window, a closed case can still be contested.
        Step.appeal: CaseStatus.appealed,
    },
    CaseStatus.rejected: {},
    CaseStatus.withdrawn: {},
    CaseStatus.appealed: {},
}

PUBLIC: dict[CaseStatus, str] = {status: status.value for status in CaseStatus}
PUBLIC[CaseStatus.suspended] = CaseStatus.accepted.value

# The steps an official can be told about (the citizen's acts and routing's are not theirs).
OFFICIAL_STEPS = frozenset(Step) - {Step.withdraw, Step.rate, Step.appeal, Step.route}


def allowed(status: str) -> list[str]:
    """The official steps allowed from a status, in the table's order."""
    return [s.value for s in TRANSITIONS[CaseStatus(status)] if s in OFFICIAL_STEPS]


def can(status: str, step: Step) -> bool:
    return step in TRANSITIONS[CaseStatus(status)]


def target(status: str, step: Step, *, previous: str | None = None) -> CaseStatus:
    """Where `step` takes a case in `status`; a 409 naming the allowed steps if it cannot."""
    current = CaseStatus(status)
    nxt = TRANSITIONS[current].get(step)
    if nxt is None:
        raise Conflict(
            f"{step.value} is not allowed when the case is {current.value}",
            status_now=current.value,
            allowed=allowed(current.value),
        )
    if nxt == PREVIOUS:
        return CaseStatus(previous) if previous else CaseStatus.accepted
    return CaseStatus(nxt)


def public(status: str) -> str:
    return PUBLIC[CaseStatus(status)]
