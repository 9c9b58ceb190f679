"""The case-handling lifecycle as one table: from each status, the steps allowed and where they go.

Statuses are routing's own; `PUBLIC` maps each to the public status of api.md (a suspended
case is still "accepted" to the citizen: the clock stops, the handling does not end).
"""

from __future__ import annotations

from enum import StrEnum

from shared.errors import Conflict


class Status(StrEnum):
    routed = "routed"
    accepted = "accepted"
    info_requested = "info_requested"
    suspended = "suspended"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"
    withdrawn = "withdrawn"
    appealed = "appealed"


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


# "Back to where it was": a resumed case returns to the status it had before the pause.
PREVIOUS = "previous"

S, T = Status, Step
TRANSITIONS: dict[Status, dict[Step, Status | str]] = {
    S.routed: {
        T.accept: S.accepted,
        T.reject: S.rejected,
        T.transfer: S.routed,
        T.assign: S.routed,
        T.request_info: S.info_requested,
        T.message: S.routed,
        T.schedule_dialogue: S.routed,  # a reception session can be booked before acceptance
        T.record_minutes: S.routed,
        T.reclassify: S.routed,
        T.several_places: S.routed,
        T.late_appeal: S.routed,
        T.withdraw: S.withdrawn,
        T.appeal: S.appealed,  # the first-time deadline passed without a decision (KN Điều 33)
    },
    S.info_requested: {
        T.accept: S.accepted,
        T.reject: S.rejected,
        T.transfer: S.routed,
        T.assign: S.info_requested,
        T.message: S.info_requested,
        T.reclassify: S.info_requested,
        T.several_places: S.info_requested,
        T.late_appeal: S.info_requested,
        T.resume: PREVIOUS,  # also done for the official when the citizen answers
        T.record_suspension_notice: S.info_requested,
        T.withdraw: S.withdrawn,
        T.appeal: S.appealed,
    },
    S.accepted: {
        T.assign: S.accepted,
        T.request_info: S.info_requested,
        T.message: S.accepted,
        T.extend: S.accepted,
        T.schedule_dialogue: S.accepted,
        T.record_minutes: S.accepted,
        T.resolve: S.resolved,
        T.suspend: S.suspended,
        T.record_suspension_notice: S.accepted,  # sent after the decision to continue
        T.withdraw: S.withdrawn,
        T.appeal: S.appealed,
    },
    S.suspended: {
        T.assign: S.suspended,
        T.message: S.suspended,
        T.resume: PREVIOUS,
        T.record_suspension_notice: S.suspended,
        T.withdraw: S.withdrawn,
        T.appeal: S.appealed,
    },
    S.resolved: {
        T.message: S.resolved,
        T.record_delivery: S.resolved,
        T.record_suspension_notice: S.resolved,  # a suspension's decision, sent late
        T.close: S.closed,
        T.rate: S.resolved,
        T.appeal: S.appealed,
    },
    S.closed: {
        T.record_delivery: S.closed,  # the decision may reach the citizen after closing
        T.record_suspension_notice: S.closed,
        T.rate: S.closed,
        T.appeal: S.appealed,  # within the appeal window, a closed case can still be contested
    },
    S.rejected: {},
    S.withdrawn: {},
    S.appealed: {},
}

PUBLIC: dict[Status, str] = {s: s.value for s in Status} | {S.suspended: "accepted"}

# The steps an official can be told about (the citizen's own acts are not theirs to take).
OFFICIAL_STEPS = frozenset(Step) - {T.withdraw, T.rate, T.appeal}


def allowed(status: str) -> list[str]:
    """The official steps allowed from a status, in the table's order."""
    return [s.value for s in TRANSITIONS[Status(status)] if s in OFFICIAL_STEPS]


def can(status: str, step: Step) -> bool:
    return step in TRANSITIONS[Status(status)]


def target(status: str, step: Step, *, previous: str | None = None) -> Status:
    """Where `step` takes a case in `status`; a 409 naming the allowed steps if it cannot."""
    current = Status(status)
    nxt = TRANSITIONS[current].get(step)
    if nxt is None:
        raise Conflict(
            f"{step.value} is not allowed when the case is {current.value}",
            status_now=current.value,
            allowed=allowed(current.value),
        )
    if nxt == PREVIOUS:
        return Status(previous) if previous else S.accepted
    return Status(nxt)


def public(status: str) -> str:
    return PUBLIC[Status(status)]
