"""The unit's side of a supervision: its officials answer the board's requests for
information, its head answers recommendations, and its officials record the follow-up actions
done. Each one audited, and announced when a clock of notification's is met."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import local_day
from services.routing.supervision import repository, schemas
from services.routing.supervision.audit import audit
from services.routing.supervision.models import Recommendation, Supervision, SupervisionEntry
from services.routing.supervision.service import require_head, require_unit_staff
from shared.auth import Principal
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import (
    FollowUpAction,
    RecommendationActionDone,
    RecommendationAnswered,
    SupervisionInformationGiven,
)
from shared.messaging.outbox import Outbox


async def answer_info(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    sup: Supervision,
    request_id: uuid.UUID,
    body: schemas.InfoAnswerCreate,
) -> SupervisionEntry:
    require_unit_staff(principal, sup.unit_code)
    request = await session.get(SupervisionEntry, request_id)
    if request is None or request.supervision_id != sup.id or request.kind != "info_request":
        raise NotFound(f"no request for information {request_id} in this supervision")
    answered = await repository.answer_to(session, request.id)
    now = datetime.now(UTC)
    on_time = request.due_on is None or local_day(now) <= request.due_on
    entry = SupervisionEntry(
        id=uuid.uuid4(),
        supervision_id=sup.id,
        kind="info_answer",
        text=body.text,
        answers=request.id,
        actor=principal.sub,
        at=now,
    )
    session.add(entry)
    given = None
    if answered is None:  # a further answer adds to the first; the clock met once
        given = SupervisionInformationGiven(
            supervision_id=sup.id,
            request_id=request.id,
            unit_code=sup.unit_code,
            on_time=on_time,
            actor=principal.sub,
        )
    await audit(
        session,
        outbox,
        sup.id,
        "info_answered",
        principal.sub,
        now,
        {"entry_id": str(entry.id), "request_id": str(request.id), "on_time": on_time},
        given,
    )
    return entry


async def answer(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    rec: Recommendation,
    body: schemas.AnswerCommand,
) -> Recommendation:
    require_head(principal, rec.unit_code)
    if rec.state != "open":
        raise Conflict("this recommendation is already answered", allowed=[])
    now = datetime.now(UTC)
    today = local_day(now)
    for i, f in enumerate(body.follow_up):
        if f.due_on <= today:
            raise Unprocessable.field(
                ["body", "follow_up", i, "due_on"], "a follow-up action's date is ahead"
            )
    actions = [{"id": str(uuid.uuid4()), **f.model_dump(mode="json")} for f in body.follow_up]
    rec.state, rec.outcome, rec.answer_text = "answered", body.outcome, body.text
    rec.follow_up = actions
    rec.answered_by, rec.answered_at = principal.sub, now
    rec.answered_on_time = today <= rec.due_on
    await session.flush()
    answered = RecommendationAnswered(
        supervision_id=rec.supervision_id,
        recommendation_id=rec.id,
        unit_code=rec.unit_code,
        province_code=rec.province_code,
        outcome=body.outcome,
        on_time=rec.answered_on_time,
        follow_up_dates=[f.due_on for f in body.follow_up],
        follow_up=[
            FollowUpAction(action_id=uuid.UUID(a["id"]), due_on=f.due_on)
            for a, f in zip(actions, body.follow_up, strict=True)
        ],
        actor=principal.sub,
    )
    await audit(
        session,
        outbox,
        rec.supervision_id,
        "answered",
        principal.sub,
        now,
        {
            "recommendation_id": str(rec.id),
            "outcome": body.outcome,
            "follow_up": [a["id"] for a in actions],
        },
        answered,
        recommendation_id=rec.id,
    )
    return rec


async def action_done(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    rec: Recommendation,
    action_id: uuid.UUID,
    body: schemas.ActionDoneCommand,
) -> Recommendation:
    """The unit records a follow-up action it committed to as done: its clock is met."""
    require_unit_staff(principal, rec.unit_code)
    actions = [dict(a) for a in rec.follow_up or []]
    found = next((a for a in actions if a.get("id") == str(action_id)), None)
    if found is None:
        raise NotFound(f"no follow-up action {action_id} in this recommendation")
    if found.get("done_on") is not None:
        raise Conflict("this follow-up action is already recorded as done", allowed=[])
    now = datetime.now(UTC)
    today = local_day(now)
    on_time = today <= date.fromisoformat(found["due_on"])
    found.update(
        done_on=today.isoformat(), done_by=principal.sub, note=body.note, done_on_time=on_time
    )
    rec.follow_up = actions  # a new list: the JSON column sees the change
    await session.flush()
    done = RecommendationActionDone(
        supervision_id=rec.supervision_id,
        recommendation_id=rec.id,
        action_id=action_id,
        unit_code=rec.unit_code,
        on_time=on_time,
        actor=principal.sub,
    )
    await audit(
        session,
        outbox,
        rec.supervision_id,
        "action_done",
        principal.sub,
        now,
        {"recommendation_id": str(rec.id), "action_id": str(action_id), "on_time": on_time},
        done,
        recommendation_id=rec.id,
    )
    return rec
