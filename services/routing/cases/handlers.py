from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import RoutedCase
from services.routing.rules import repository as rules
from services.routing.rules.engine import decide
from services.routing.rules.schemas import CaseDraft, DraftLocation, DraftTarget, RuleSetRead
from services.routing.supervision.models import BoardMessage
from services.routing.units.registry import UnitRegistry
from services.routing.workflow.service import route
from shared.dates import LOCAL_TZ
from shared.events import (
    CaseStatus,
    CaseSubmitted,
    Envelope,
)
from shared.messaging.consumer import Handler
from shared.messaging.outbox import Outbox


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


def make_handlers(
    outbox: Outbox, units: UnitRegistry, default_rules: RuleSetRead, metrics: Any
) -> dict[str, Handler]:
    async def on_case_submitted(session: AsyncSession, event: Envelope) -> None:
        if await session.get(RoutedCase, event.case_id) is not None:
            return  # already routed (a replay under another event id)
        submitted = event.parse(CaseSubmitted)
        draft = draft_of(submitted)
        assert draft.received_on is not None
        in_force = await rules.in_force(session, draft.received_on, default_rules)
        decision = decide(in_force, draft, units)
        now = datetime.now(UTC)
        to_board = submitted.addressed_to == "board" and submitted.kind == "feedback"
        case = RoutedCase(
            id=event.case_id,
            tracking_code=submitted.tracking_code,
            kind=submitted.kind,
            title=submitted.title,
            description=submitted.description,
            category=submitted.category,
            location_unit_code=submitted.location.unit_code,
            unit_code=decision.unit_code,
            first_unit_code=decision.unit_code,
            province_code=decision.province_code,
            status=CaseStatus.submitted.value,
            received_at=submitted.submitted_at,
            rule=decision.rule,
            reason=decision.reason,
            publish_consent=submitted.publish_consent,
        )
        await route(
            session,
            outbox,
            case,
            unit_name=decision.unit_name,
            remote_area=_remote(units, decision.unit_code),
            data={
                "rule": decision.rule,
                "unit_code": decision.unit_code,
                "rules_version": decision.rules_version,
                **({"addressed_to": "board"} if to_board else {}),
            },
            now=now,
        )
        if to_board:
            # As well as the unit's queue: the board has no power to resolve a feedback, the
            # unit does (on its clock); the board reads it to supervise and recommend. Keyed
            # by the case's id: one submission, one message, whatever the replays.
            session.add(
                BoardMessage(
                    id=event.case_id,
                    unit_code=decision.unit_code,
                    case_id=event.case_id,
                    tracking_code=submitted.tracking_code,
                    case_kind=submitted.kind,
                    text=f"{submitted.title}\n\n{submitted.description}",
                    at=submitted.submitted_at,
                )
            )
        if decision.fallback:
            # Counted when committed would be exact; a retried event may count twice, which a
            # rate of "cases nobody's rule fits" tolerates.
            metrics.fallback.labels(submitted.kind).inc()

    return {CaseSubmitted.type: on_case_submitted}
