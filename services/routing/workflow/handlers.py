"""Intake's events applied to the case: a submission routed, then the citizen's acts.

Every handler reloads and locks the case and returns quietly when the work is done or the
state no longer allows it: the consumer's processed-event record is the first guard, the
state the second.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import CITIZEN, SOURCE, SYSTEM_ACTOR
from services.routing.cases import machine
from services.routing.cases.machine import Step
from services.routing.cases.models import RoutedCase
from services.routing.cases.repository import lock_case
from services.routing.rules import repository as rules
from services.routing.rules.engine import Decision, decide
from services.routing.rules.metrics import RoutingMetrics
from services.routing.rules.repository import STILL, Known, still_params
from services.routing.rules.schemas import CaseDraft, DraftLocation, DraftTarget, RuleSetRead
from services.routing.units.registry import UnitRegistry
from services.routing.workflow.appeals import open_second_time
from services.routing.workflow.models import CaseMessage
from services.routing.workflow.service import apply_step, route_new
from shared import events as ev
from shared.dates import LOCAL_TZ
from shared.events import CaseStatus, CaseSubmitted, Envelope
from shared.messaging.consumer import DepsHandler
from shared.messaging.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoutingDeps:
    """What routing's event handlers use, built once from the service's context (app.py)."""

    outbox: Outbox
    units: UnitRegistry
    rules: RuleSetRead  # the built-in rules, in force until an administrator publishes others
    metrics: RoutingMetrics
    known: Known = field(default_factory=Known)


def draft_of(submitted: CaseSubmitted) -> CaseDraft:
    target = submitted.target
    return CaseDraft(
        kind=submitted.kind,  # intake validated it
        category=submitted.category,
        location=DraftLocation(unit_code=submitted.location.unit_code),
        target=DraftTarget(
            unit_code=target.unit_code, person=target.person, decision_ref=target.decision_ref
        )
        if target
        else None,
        received_on=submitted.submitted_at.astimezone(LOCAL_TZ).date(),
    )


def _remote(units: UnitRegistry, code: str) -> bool:
    unit = units.get(code)
    return bool(unit and unit.remote)


async def on_case_submitted(session: AsyncSession, event: Envelope, deps: RoutingDeps) -> None:
    """The case goes to the unit the rules in force name (a feedback to the board also reaches
    the board's queue: supervision/handlers.py's on_case_submitted calls route_submitted)."""
    await route_submitted(session, event, deps)


async def route_submitted(session: AsyncSession, event: Envelope, deps: RoutingDeps) -> str | None:
    """Route a submitted case: the unit it went to, or None if routing held it already (a
    replay under another event id, found by the case's insert: nothing is written then).

    The rules that decide are those this process last found in force on the case's day; the
    case's insert checks they still are (rules/repository.py's STILL). When it writes nothing,
    a look-up tells a replay (the same rules) from rules published since, by which the case is
    decided again: a version published through any replica routes the next case."""
    submitted = event.parse(CaseSubmitted)
    draft = draft_of(submitted)
    on = draft.received_on
    assert on is not None
    in_force = deps.known.get(on)
    if in_force is None:
        in_force = await rules.in_force(session, on, deps.rules)
        deps.known.keep(on, in_force)
    while True:
        decision = decide(in_force, draft, deps.units)
        routed = await _route(session, event, submitted, decision, deps, on, in_force)
        if routed:
            break
        latest = await rules.in_force(session, on, deps.rules)
        deps.known.keep(on, latest)
        if (latest.version, latest.created_at) == (in_force.version, in_force.created_at):
            return None  # the rules held: routing held the case already
        in_force = latest
    if decision.fallback:
        # Counted when committed would be exact; a retried event may count twice, which a
        # rate of "cases nobody's rule fits" tolerates.
        deps.metrics.fallback.labels(submitted.kind).inc()
    return decision.unit_code


async def _route(
    session: AsyncSession,
    event: Envelope,
    submitted: CaseSubmitted,
    decision: Decision,
    deps: RoutingDeps,
    on: date,
    in_force: RuleSetRead,
) -> bool:
    to_board = submitted.addressed_to == "board" and submitted.kind == "feedback"
    assert decision.rules_version == in_force.version
    return await route_new(
        session,
        deps.outbox,
        {
            "id": event.case_id,
            "tracking_code": submitted.tracking_code,
            "kind": submitted.kind,
            "title": submitted.title,
            "description": submitted.description,
            "category": submitted.category,
            "location_unit_code": submitted.location.unit_code,
            "unit_code": decision.unit_code,
            "first_unit_code": decision.unit_code,
            "province_code": decision.province_code,
            "received_at": submitted.submitted_at,
            "rule": decision.rule,
            "reason": decision.reason,
            "publish_consent": submitted.publish_consent,
        },
        unit_name=decision.unit_name,
        remote_area=_remote(deps.units, decision.unit_code),
        data={
            "rule": decision.rule,
            "unit_code": decision.unit_code,
            "rules_version": decision.rules_version,
            **({"addressed_to": "board"} if to_board else {}),
        },
        now=datetime.now(UTC),
        only_if=STILL,
        only_if_params=still_params(on, in_force),
    )


async def on_withdrawn(session: AsyncSession, event: Envelope, deps: RoutingDeps) -> None:
    case = await lock_case(session, event.case_id)
    if case is None or not machine.can(case.status, Step.withdraw):
        return
    data = event.parse(ev.CaseWithdrawn)
    # Intake already announced it (case.withdrawn); routing records it, emits nothing.
    await apply_step(
        session,
        deps.outbox,
        case,
        Step.withdraw,
        actor=CITIZEN,
        reason=data.reason,
        now=event.time,
        data={"event_id": str(event.id)},
    )


async def on_rated(session: AsyncSession, event: Envelope, deps: RoutingDeps) -> None:
    case = await lock_case(session, event.case_id)
    if case is None or not machine.can(case.status, Step.rate) or case.rating_score:
        return
    data = event.parse(ev.CaseRated)
    case.rating_score, case.rating_comment = data.score, data.comment
    await apply_step(
        session,
        deps.outbox,
        case,
        Step.rate,
        actor=CITIZEN,
        reason=data.comment,
        now=event.time,
        data={"score": data.score},
    )


async def on_message_added(session: AsyncSession, event: Envelope, deps: RoutingDeps) -> None:
    data = event.parse(ev.CaseMessageAdded)
    if event.source == SOURCE or data.author != CITIZEN:
        return  # our own officials' messages, already in the conversation
    case = await lock_case(session, event.case_id)
    if case is None or await session.get(CaseMessage, data.message_id) is not None:
        return
    session.add(
        CaseMessage(
            id=data.message_id,
            case_id=case.id,
            author=CITIZEN,
            visibility=data.visibility,
            text=data.text,
            actor=CITIZEN,
            at=event.time,
        )
    )
    if case.status == CaseStatus.info_requested:
        # The citizen answered what was asked: the handling continues where it was.
        await apply_step(
            session,
            deps.outbox,
            case,
            Step.resume,
            actor=SYSTEM_ACTOR,
            event=ev.CaseResumed,
            public_note="Đã nhận thông tin bổ sung; tiếp tục giải quyết",
            reason="the citizen answered the request for information",
            data={"message_id": str(data.message_id)},
        )


async def on_appealed(session: AsyncSession, event: Envelope, deps: RoutingDeps) -> None:
    data = event.parse(ev.CaseAppealed)
    first = await lock_case(session, event.case_id)
    if first is None:
        raise LookupError(f"case.appealed for unknown case {event.case_id}")
    if machine.can(first.status, Step.appeal):
        await apply_step(
            session,
            deps.outbox,
            first,
            Step.appeal,
            actor=CITIZEN,
            reason=data.reason,
            now=event.time,
            data={
                "new_case_id": str(data.new_case_id),
                "new_tracking_code": data.new_tracking_code,
            },
        )
    elif first.status != CaseStatus.appealed:
        log.warning("appeal of a case that is %s: recorded, not reopened", first.status)
        return
    if first.kind != "complaint" or first.appeal_of is not None:
        return  # only a first-time complaint becomes a second-time one
    if await session.get(RoutedCase, data.new_case_id) is not None:
        return
    await open_second_time(
        session,
        deps.outbox,
        deps.units,
        first,
        new_case_id=data.new_case_id,
        new_tracking_code=data.new_tracking_code,
        reason=data.reason,
        received_at=event.time,
        at=datetime.now(UTC),
        late_reason=data.late_reason,
    )


HANDLERS: dict[str, DepsHandler[RoutingDeps]] = {
    CaseSubmitted.type: on_case_submitted,
    ev.CaseWithdrawn.type: on_withdrawn,
    ev.CaseRated.type: on_rated,
    ev.CaseMessageAdded.type: on_message_added,
    ev.CaseAppealed.type: on_appealed,
}
