"""Suspending a case's handling, resuming it, and recording that the suspension decision was
sent to the parties.

Luật Tố cáo 2018 Điều 34: the decision to suspend is sent within 5 working days of its date, a
clock of its own that notification runs from case.suspended and meets with the event recorded
here (case.suspension_notice_sent). The sending is recorded once per suspension, while the case
is suspended or after the decision to continue, with the day it was sent as entered: not before
the suspension decision's date, not in the future.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases import machine
from services.routing.cases.machine import Step
from services.routing.cases.models import CaseStep, RoutedCase
from services.routing.workflow import repository, schemas
from services.routing.workflow.service import Applied, apply_step
from shared import events as ev
from shared.dates import LOCAL_TZ
from shared.errors import Conflict, Unprocessable
from shared.events import CaseStatus
from shared.messaging.outbox import Outbox

BASIS = "Luật Tố cáo 2018, Điều 34"


async def record_suspension_notice(
    session: AsyncSession,
    outbox: Outbox,
    case: RoutedCase,
    actor: str,
    body: schemas.SuspensionNoticeCommand,
) -> Applied:
    machine.target(case.status, Step.record_suspension_notice)
    # The case's latest suspension, and whether its sending is already recorded.
    latest = await repository.latest_of(
        session, case.id, (Step.suspend.value, Step.record_suspension_notice.value)
    )
    if latest is None:
        raise Conflict(
            "the case was never suspended: there is no suspension decision to send",
            rule=BASIS,
            allowed=machine.allowed(case.status),
        )
    data = latest.data or {}
    if latest.step == Step.record_suspension_notice.value:
        raise Conflict(
            f"the suspension decision's sending is already recorded ({data.get('sent_on')})",
            rule=BASIS,
            allowed=machine.allowed(case.status),
        )
    decided = _decided_on(latest)
    today = datetime.now(UTC).astimezone(LOCAL_TZ).date()
    if body.sent_on < decided or body.sent_on > today:
        raise Unprocessable.field(
            ["sent_on"], f"must be between the suspension decision's date ({decided}) and today"
        )
    decision_ref = data.get("decision_ref")
    day = body.sent_on.strftime("%d/%m/%Y")
    return await apply_step(
        session,
        outbox,
        case,
        Step.record_suspension_notice,
        actor=actor,
        event=ev.CaseSuspensionNoticeSent,
        event_fields={
            "sent_on": body.sent_on,
            "how": body.how,
            "evidence_ref": body.evidence_ref,
            "suspended_on": decided,
            "decision_ref": decision_ref,
        },
        public_note=f"Quyết định tạm đình chỉ giải quyết đã được gửi ngày {day}",
        reason=f"sent {body.sent_on.isoformat()} ({body.how})",
        data={
            "sent_on": body.sent_on.isoformat(),
            "how": body.how,
            "evidence_ref": body.evidence_ref,
            "suspended_on": decided.isoformat(),
        },
    )


def _decided_on(suspension: CaseStep) -> date:
    """The suspension decision's date as entered; the step's day for one recorded before the
    date was asked for."""
    entered = (suspension.data or {}).get("decided_on")
    return date.fromisoformat(entered) if entered else suspension.at.astimezone(LOCAL_TZ).date()


def _not_future(day: date) -> None:
    if day > datetime.now(UTC).astimezone(LOCAL_TZ).date():
        raise Unprocessable.field(["decided_on"], "a decision already taken: not in the future")


async def suspend(
    session: AsyncSession,
    outbox: Outbox,
    case: RoutedCase,
    actor: str,
    body: schemas.SuspendCommand,
) -> Applied:
    _not_future(body.decided_on)
    return await apply_step(
        session,
        outbox,
        case,
        Step.suspend,
        actor=actor,
        event=ev.CaseSuspended,
        event_fields={
            "reason": body.reason,
            "decision_ref": body.decision_ref,
            "suspended_on": body.decided_on,
        },
        public_note=f"Tạm đình chỉ giải quyết: {body.reason}",
        reason=body.reason,
        data={"decision_ref": body.decision_ref, "decided_on": body.decided_on.isoformat()},
    )


async def resume(
    session: AsyncSession, outbox: Outbox, case: RoutedCase, actor: str, body: schemas.ResumeCommand
) -> Applied:
    if case.status == CaseStatus.suspended and body.decided_on is None:
        raise Unprocessable.field(["decided_on"], "the decision to continue has a date")
    if body.decided_on is not None:
        _not_future(body.decided_on)
    return await apply_step(
        session,
        outbox,
        case,
        Step.resume,
        actor=actor,
        event=ev.CaseResumed,
        event_fields={"decision_ref": body.decision_ref, "resumed_on": body.decided_on},
        public_note=". ".join(part for part in ("Tiếp tục giải quyết", body.note) if part),
        reason=body.note,
        data={"decision_ref": body.decision_ref},
    )
