"""Clocks driven by case events: each event starts, meets, moves, pauses or replaces clocks.

Handlers are idempotent: the consumer records processed event ids, and `Clocks.start` never
creates a second clock for a step in the same round.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.calendar.working_days import local_date
from services.notification.deadlines import repository, suspensions
from services.notification.deadlines.models import RUNNING, Deadline, TrackedCase
from services.notification.deadlines.service import EXPIRED, Cause, Clocks, NotificationDeps
from services.notification.deadlines.suspensions import start_notice
from services.notification.deadlines.tracking import track_routing, track_submission
from services.notification.policies.rules import Policy, PolicyBook
from shared.events import (
    CASE_ACCEPTED,
    CASE_APPEALED,
    CASE_CLOSED,
    CASE_DECISION_DELIVERED,
    CASE_EXTENDED,
    CASE_RECLASSIFIED,
    CASE_REJECTED,
    CASE_RESOLVED,
    CASE_RESUMED,
    CASE_ROUTED,
    CASE_SUBMITTED,
    CASE_SUSPENDED,
    CASE_TRANSFERRED,
    CASE_WITHDRAWN,
    CaseAccepted,
    CaseAppealed,
    CaseDecisionDelivered,
    CaseExtended,
    CaseReclassified,
    CaseResolved,
    CaseResumed,
    CaseSuspended,
    CaseTransferred,
    Envelope,
)
from shared.messaging.consumer import DepsHandler

# The steps a unit owes on receipt; accepting, rejecting or forwarding answers them.
RECEIPT_STEPS = ("accept", "classify", "answer")
AFTER_RESOLUTION = ("notify_parties", "publish", "report_back")
WAITS_FOR_DELIVERY = ("appeal_window",)
SUSPENDED_STEPS = ("resolve",)  # a suspension stops the resolution period only


def book(clocks: Clocks) -> PolicyBook:
    return clocks.reference.book  # reloaded by administrators' changes


async def tracked(session: AsyncSession, event: Envelope) -> TrackedCase | None:
    return await session.get(TrackedCase, event.case_id, with_for_update=True)


async def on_submitted(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    await track_submission(session, event, deps.now())


async def on_routed(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    case = await track_routing(session, event, deps.now())
    for policy in book(deps.clocks).in_force(
        case.kind, "received", case.received_on, second_time=case.second_time
    ):
        await deps.clocks.start(session, case, policy, case.received_on, Cause(event.id))


async def meet(
    clocks: Clocks, session: AsyncSession, event: Envelope, steps: tuple[str, ...]
) -> None:
    for d in await clocks.open_deadlines(session, event.case_id, steps):
        await clocks.meet(session, d, Cause(event.id, event.type))


async def start_stage(
    clocks: Clocks, session: AsyncSession, event: Envelope, starts: str, on: date
) -> None:
    case = await tracked(session, event)
    if case is None:
        return  # never routed here: nothing to time
    round_ = await current_round(session, case)
    for policy in book(clocks).in_force(
        case.kind, starts, case.received_on, second_time=case.second_time
    ):
        started = await clocks.start(session, case, policy, on, Cause(event.id), round_=round_)
        if started is None and len(policy.starts) > 1:
            # Already started by another of its events (the appeal window, by the resolve
            # deadline passing): this later start replaces it if it ends later.
            await clocks.replace_if_later(
                session, case, policy, on, Cause(event.id, event.type), round_=round_
            )


async def on_accepted(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    accepted = event.parse(CaseAccepted)
    await meet(deps.clocks, session, event, RECEIPT_STEPS)
    await start_stage(deps.clocks, session, event, "accepted", accepted.accepted_on)


async def on_rejected(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    await meet(deps.clocks, session, event, RECEIPT_STEPS)
    for d in await deps.clocks.open_deadlines(session, event.case_id):
        await deps.clocks.cancel(session, d, Cause(event.id, "rejected"))


async def on_resolved(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    resolved = event.parse(CaseResolved)
    await meet(deps.clocks, session, event, ("resolve", *RECEIPT_STEPS))
    await start_stage(deps.clocks, session, event, "resolved", resolved.resolved_on)
    # A window opened by a deadline passing without a decision now waits for the decision
    # to reach the citizen: until then it is open (Khiếu nại Điều 33).
    cause = Cause(event.id, "decided: the window runs from the decision's receipt")
    for d in await citizen_windows(session, event):
        await deps.clocks.hold_open(session, d, resolved.resolved_on, cause)


async def on_delivered(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    delivered = event.parse(CaseDecisionDelivered)
    await start_stage(deps.clocks, session, event, "delivered", delivered.received_on)


async def citizen_windows(session: AsyncSession, event: Envelope) -> list[Deadline]:
    return await repository.in_states(
        session, event.case_id, WAITS_FOR_DELIVERY, (RUNNING, EXPIRED)
    )


async def on_closed(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    # Closing follows the unit's last duties (notice to parties, publication); the
    # citizen's appeal window keeps running.
    await meet(deps.clocks, session, event, AFTER_RESOLUTION)
    for d in await deps.clocks.open_deadlines(session, event.case_id):
        if d.step != "appeal_window":
            await deps.clocks.cancel(session, d, Cause(event.id, "closed"))


async def on_withdrawn(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    for d in await deps.clocks.open_deadlines(session, event.case_id):
        await deps.clocks.cancel(session, d, Cause(event.id, "withdrawn"))


async def on_appealed(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    appealed = event.parse(CaseAppealed)
    await meet(deps.clocks, session, event, ("appeal_window",))
    # The new case's own case.routed may be handled at the same time, on another
    # partition: insert if absent, then lock (the same race as lock_tracked's docstring).
    new = await repository.lock_tracked(
        session,
        appealed.new_case_id,
        tracking_code=appealed.new_tracking_code,
        kind="complaint",
        unit_code="",
        province_code="",
        received_on=local_date(event.time),
        second_time=True,
        remote=False,
        language="vi",
        updated_at=deps.now(),
    )
    new.second_time = True


async def on_extended(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    extended = event.parse(CaseExtended)
    case = await tracked(session, event)
    if case is None:
        return
    cause = Cause(event.id, extended.reason, extended.decision_ref)
    if extended.complexity == "several_places":
        # Tố cáo Điều 24: checked in several places, the classification gets its variant.
        for d in await deps.clocks.open_deadlines(session, event.case_id, ("classify",)):
            policy = book(deps.clocks).get(d.policy_id)
            if policy is not None:
                await deps.clocks.lengthen(session, d, policy, "several_places", cause)
        return
    for d in await deps.clocks.open_deadlines(session, event.case_id, ("resolve",)):
        policy = book(deps.clocks).get(d.policy_id)
        if policy is not None:
            await deps.clocks.extend(
                session, d, policy, extended.complexity, cause, remote=case.remote
            )


async def on_suspended(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    suspended = event.parse(CaseSuspended)
    case = await tracked(session, event)
    if case is None:
        return
    # From the decision's date as entered, not the day the command arrived.
    on = suspended.suspended_on or local_date(event.time)
    # Sending the decision to the parties is a clock of its own (Tố cáo Điều 34), which
    # runs while the resolution period stops.
    round_ = await current_round(session, case)
    await start_notice(deps.clocks, session, case, event, on, round_)
    # The rule that stops the resolution period, in force on the case's receipt:
    # denunciations since 2019 (Tố cáo Điều 34), complaints from 2026-07-01 (check).
    rule = book(deps.clocks).for_step(case.kind, "suspension", case.received_on)
    if rule is None:
        return  # no law in force on receipt stops this case's clock
    # Only the resolution period stops, the case's other clocks run on.
    cause = Cause(event.id, f"{suspended.reason} ({rule.basis})", suspended.decision_ref)
    for d in await deps.clocks.open_deadlines(session, event.case_id, SUSPENDED_STEPS):
        await deps.clocks.pause(session, d, on, cause)


async def on_resumed(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    resumed = event.parse(CaseResumed)
    on = resumed.resumed_on or local_date(event.time)
    cause = Cause(event.id, "resumed", resumed.decision_ref)
    for d in await deps.clocks.open_deadlines(session, event.case_id, SUSPENDED_STEPS):
        await deps.clocks.resume(session, d, on, cause)


async def on_transferred(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    moved = event.parse(CaseTransferred)
    case = await tracked(session, event)
    if case is None:
        return
    on = local_date(event.time)
    old_round = await current_round(session, case)
    # The sending unit: forwarding answers a petition (Tiếp công dân Điều 28); for a
    # denunciation it is its own 5-working-day step from receipt (Tố cáo Điều 24(2)),
    # recorded now as met or late; other receipt clocks end with the case leaving.
    # A second-time complaint keeps the second-time rules (Khiếu nại Điều 36, not 27).
    policies = book(deps.clocks).in_force(
        case.kind, "received", case.received_on, second_time=case.second_time
    )
    # The newest forwarding rule in force on receipt (Tố cáo Điều 24(2)), measured from the
    # day this (forwarding) unit received the case: a re-forward counts from the transfer
    # that brought it here, not from the first unit's receipt.
    forward = book(deps.clocks).for_step(case.kind, "forward", case.received_on)
    if forward is not None and case.kind == "denunciation":
        here_since = await received_here(session, case, old_round)
        await record_forward(deps.clocks, session, case, forward, here_since, on, event, old_round)
    for d in await deps.clocks.open_deadlines(session, event.case_id):
        if d.step == "answer":
            await deps.clocks.meet(session, d, Cause(event.id, "forwarded"))
        else:
            await deps.clocks.cancel(
                session, d, Cause(event.id, f"transferred to {moved.unit_code}")
            )
    # The receiving unit's clocks run from the day it received the case.
    case.unit_code, case.province_code = moved.unit_code, moved.province_code
    case.remote = moved.remote_area
    for policy in policies:
        if case.kind == "complaint" and policy.step != "accept":
            continue
        await deps.clocks.start(
            session, case, policy, on, Cause(event.id, moved.reason), round_=old_round + 1
        )


async def record_forward(
    clocks: Clocks,
    session: AsyncSession,
    case: TrackedCase,
    forward: Policy,
    since: date,
    on: date,
    event: Envelope,
    round_: int,
) -> None:
    cause = Cause(event.id)
    d = await clocks.start(session, case, forward, since, cause, round_=round_)
    if d is None:
        return
    if d.due_on < on:
        await clocks.breach(session, d, Cause(event.id, "forwarded late"))
    await clocks.meet(session, d, Cause(event.id, "forwarded"))


async def on_reclassified(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    changed = event.parse(CaseReclassified)
    case = await tracked(session, event)
    if case is None or changed.kind == case.kind:
        return
    round_ = await current_round(session, case)
    case.kind = changed.kind
    wanted = {
        p.step: p
        for p in book(deps.clocks).in_force(
            case.kind, "received", case.received_on, second_time=case.second_time
        )
    }
    for d in await deps.clocks.open_deadlines(session, event.case_id, RECEIPT_STEPS):
        if d.step not in wanted:
            await deps.clocks.cancel(session, d, Cause(event.id, f"reclassified: {changed.reason}"))
    for policy in wanted.values():
        await deps.clocks.start(
            session, case, policy, case.received_on, Cause(event.id), round_=round_
        )


HANDLERS: dict[str, DepsHandler[NotificationDeps]] = {
    CASE_SUBMITTED: on_submitted,
    CASE_ROUTED: on_routed,
    CASE_ACCEPTED: on_accepted,
    CASE_REJECTED: on_rejected,
    CASE_RESOLVED: on_resolved,
    CASE_DECISION_DELIVERED: on_delivered,
    CASE_CLOSED: on_closed,
    CASE_WITHDRAWN: on_withdrawn,
    CASE_APPEALED: on_appealed,
    CASE_EXTENDED: on_extended,
    CASE_SUSPENDED: on_suspended,
    CASE_RESUMED: on_resumed,
    CASE_TRANSFERRED: on_transferred,
    CASE_RECLASSIFIED: on_reclassified,
    **suspensions.HANDLERS,  # case.suspension_notice_sent: the decision's own clock
}


async def received_here(session: AsyncSession, case: TrackedCase, round_: int) -> date:
    """The day the unit now holding the case received it: the case's receipt in round 0, the
    start of the round's receipt clocks after a transfer."""
    if round_ == 0:
        return case.received_on
    since = await repository.first_start(session, case.case_id, round_, RECEIPT_STEPS)
    return since or case.received_on


async def current_round(session: AsyncSession, case: TrackedCase) -> int:
    return await repository.last_round(session, case.case_id)
