"""A dialogue or reception session on a case: scheduled (with the notice the law asks of a
dialogue), then its minutes recorded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases import machine
from services.routing.cases.machine import Step
from services.routing.cases.models import RoutedCase
from services.routing.reception import service as reception
from services.routing.reception.models import Dialogue
from services.routing.workflow import schemas
from services.routing.workflow.law import LawBook
from services.routing.workflow.service import Applied, apply_step
from shared import events as ev
from shared.dates import LOCAL_TZ
from shared.errors import Conflict, NotFound, Unprocessable
from shared.messaging.outbox import Outbox

SESSION_NAMES = {"dialogue": "đối thoại", "reception": "tiếp công dân"}


async def schedule(
    session: AsyncSession,
    outbox: Outbox,
    law: LawBook,
    case: RoutedCase,
    actor: str,
    body: schemas.DialogueCommand,
) -> Applied:
    machine.target(case.status, Step.schedule_dialogue)
    kind, starts_at, place = body.session, body.starts_at, body.place
    if body.reception_session_id is not None:
        booked = await reception.seat(session, case, body.reception_session_id)
        kind, starts_at, place = "reception", booked.starts_at, booked.place
    if starts_at is None or place is None:  # the schema guarantees one or the other
        raise Unprocessable.field(["starts_at"], "when and where is the session?")
    if starts_at <= datetime.now(UTC):
        raise Unprocessable.field(["starts_at"], "a session is scheduled in the future")
    if kind == "dialogue":
        _enough_notice(law, case, starts_at, agreed=body.citizen_agreed)
    dialogue = Dialogue(
        id=uuid.uuid4(),
        case_id=case.id,
        session=kind,
        starts_at=starts_at,
        place=place,
        scheduled_by=actor,
        reception_session_id=body.reception_session_id,
    )
    session.add(dialogue)
    when = starts_at.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y")
    applied = await apply_step(
        session,
        outbox,
        case,
        Step.schedule_dialogue,
        actor=actor,
        event=ev.CaseDialogueScheduled,
        event_fields={
            "dialogue_id": dialogue.id,
            "session": kind,
            "starts_at": starts_at,
            "place": place,
        },
        public_note=f"Lịch {SESSION_NAMES[kind]}: {when}, tại {place}",
        reason=body.note,
        data={"dialogue_id": str(dialogue.id), "citizen_agreed": body.citizen_agreed},
    )
    applied.extra["dialogue_id"] = dialogue.id
    return applied


def _enough_notice(law: LawBook, case: RoutedCase, starts_at: datetime, *, agreed: bool) -> None:
    """The parties are told at least the rule's days before a dialogue (from 2026-07-01),
    unless the citizen agreed to an earlier date: a 409 naming the rule."""
    rule = law.dialogue_notice(case.received_at.astimezone(LOCAL_TZ).date())
    if rule is None or agreed:
        return
    today = datetime.now(UTC).astimezone(LOCAL_TZ).date()
    if (starts_at.astimezone(LOCAL_TZ).date() - today).days < rule.days:
        raise Conflict(
            f"a dialogue is noticed to the parties at least {rule.days} days before it; "
            "choose a later date, or record that the citizen agreed (citizen_agreed: true)",
            rule=rule.basis,
            allowed=machine.allowed(case.status),
        )


async def record_minutes(
    session: AsyncSession,
    outbox: Outbox,
    case: RoutedCase,
    actor: str,
    dialogue_id: uuid.UUID,
    body: schemas.MinutesCommand,
) -> Applied:
    machine.target(case.status, Step.record_minutes)
    dialogue = await session.get(Dialogue, dialogue_id)
    if dialogue is None or dialogue.case_id != case.id:
        raise NotFound(f"no dialogue {dialogue_id} on this case")
    if dialogue.held_at is not None:
        raise Conflict("the minutes of this session are already recorded", allowed=[])
    if body.held_at > datetime.now(UTC):
        raise Unprocessable.field(["held_at"], "minutes record a session that took place")
    dialogue.held_at, dialogue.outcome = body.held_at, body.outcome
    dialogue.participants, dialogue.absentees = body.participants, body.absentees
    applied = await apply_step(
        session,
        outbox,
        case,
        Step.record_minutes,
        actor=actor,
        event=ev.CaseDialogueHeld,
        event_fields={
            "dialogue_id": dialogue.id,
            "held_at": body.held_at,
            "participants": body.participants,
            "absentees": body.absentees,
            "outcome": body.outcome,
        },
        public_note=f"Đã tổ chức {SESSION_NAMES[dialogue.session]}: {body.outcome}",
        data={"dialogue_id": str(dialogue.id)},
    )
    applied.extra["dialogue_id"] = dialogue.id
    return applied
