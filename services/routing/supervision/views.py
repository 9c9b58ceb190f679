"""What the API shows of a supervision, its entries and recommendations (the public, without
personal data)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import local_day
from services.routing.supervision import repository, schemas
from services.routing.supervision.models import Recommendation, Supervision, SupervisionEntry
from shared.personal_data import scrub_public


def recommendation_view(
    rec: Recommendation, *, public: bool
) -> schemas.RecommendationRead | schemas.RecommendationPublic:
    today = local_day(datetime.now(UTC))
    state = rec.state if rec.state == "answered" or rec.due_on >= today else "overdue"
    fields = {
        "id": rec.id,
        "supervision_id": rec.supervision_id,
        "unit_code": rec.unit_code,
        "text": rec.text,
        "reason": rec.reason,
        "issued_on": local_day(rec.issued_at),
        "due_on": rec.due_on,
        "basis": rec.basis,
        "state": state,
        "outcome": rec.outcome,
        "answer_text": rec.answer_text,
        "follow_up": rec.follow_up or [],
        "answered_on": local_day(rec.answered_at) if rec.answered_at else None,
        "answered_on_time": rec.answered_on_time,
    }
    if public:
        # Dân biết without personal data: the free texts lose names, phones, e-mails and
        # identity numbers (shared.personal_data); the board and the unit read the original.
        follow_up = [
            {**a, "action": scrub_public(a.get("action")), "note": scrub_public(a.get("note"))}
            for a in rec.follow_up or []
        ]
        return schemas.RecommendationPublic(
            **fields
            | {
                "text": scrub_public(rec.text),
                "reason": scrub_public(rec.reason),
                "answer_text": scrub_public(rec.answer_text),
                "follow_up": follow_up,
            }
        )
    private = {
        "case_id": rec.case_id,
        "issued_by": rec.issued_by,
        "answered_by": rec.answered_by,
        "deadline_id": rec.deadline_id,
    }
    return schemas.RecommendationRead(**fields, **private)


def entry_view(entry: SupervisionEntry) -> schemas.EntryRead:
    return schemas.EntryRead(
        id=entry.id,
        kind=entry.kind,
        text=entry.text,
        due_on=entry.due_on,
        answers=entry.answers,
        actor=entry.actor,
        at=entry.at,
    )


def supervision_view(sup: Supervision) -> schemas.SupervisionRead:
    return schemas.SupervisionRead(
        id=sup.id,
        unit_code=sup.unit_code,
        title=sup.title,
        scope=schemas.SupervisionScope.model_validate(sup.scope),
        state=sup.state,
        opened_by=sup.opened_by,
        opened_at=sup.opened_at,
        closing_report=sup.closing_report,
        closed_at=sup.closed_at,
    )


async def supervision_in_full(session: AsyncSession, sup: Supervision) -> schemas.SupervisionRead:
    now = datetime.now(UTC)
    rows, truncated, denunciations = await repository.cases_in_scope(
        session, sup.unit_code, sup.scope, now
    )
    cases = schemas.SupervisionCases(
        items=[
            schemas.CaseInScope(
                id=c.id,
                tracking_code=c.tracking_code,
                kind=c.kind,
                title=c.title,
                status=c.status,
                received_at=c.received_at,
                due_at=c.due_at,
                resolved_at=c.resolved_at,
                late=late,
            )
            for c, late in rows
        ],
        truncated=truncated,
        denunciations=schemas.Denunciations(
            count=sum(denunciations.values()), by_status=denunciations
        ),
    )
    recs = await repository.recommendations_of(session, sup.id)
    return supervision_view(sup).model_copy(
        update={
            "entries": [
                entry_view(entry) for entry in await repository.entries_of(session, sup.id)
            ],
            "recommendations": [recommendation_view(r, public=False) for r in recs],
            "cases": cases,
        }
    )
