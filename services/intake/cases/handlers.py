"""Keeping the citizen's view current from routing's and notification's events.

Every unit step carries the public `status` after it and a `public_note`, so one handler
serves them all without knowing each step's rules. Events may arrive twice (the consumer
drops the second; the timeline's event-id key drops a replay under another delivery) or,
across partitions and producers, out of order: a field is overwritten only by an event
newer than the one that last set it.

The messages' part of the view is the citizen actions' (services/intake/actions/handlers.py);
the service's consumer takes both tables (app.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.cases import repository
from shared.confidential import public_note
from shared.events import (
    BOARD_CLOCKS,
    EVENT_MODELS,
    CaseAssigned,
    CaseDecisionDelivered,
    CaseReclassified,
    CaseResolved,
    CaseRouted,
    DeadlineSet,
    Envelope,
    UnitStep,
)
from shared.messaging.consumer import DepsHandler

# Every event of a unit's step (UnitStep), as the models declare them.
STEP_TYPES = tuple(type_ for type_, model in EVENT_MODELS.items() if issubclass(model, UnitStep))
# Internal steps appear in the citizen's timeline only when the unit wrote a public note.
INTERNAL_STEPS = frozenset({CaseAssigned.type})


async def on_unit_step(session: AsyncSession, event: Envelope, deps: object) -> None:
    step = event.parse(UnitStep)
    # The step's fields go in one statement (repository.apply_step), under these rules, each
    # judged against the case as it was before this event:
    # - status (and kind, when reclassified) only from an event at least as new as the one
    #   that last set the status;
    # - the unit (code, name, time, remote area) from an event that names it (routed,
    #   transferred) at least as new as the one that last named it; the code alone, from
    #   any step, while no event has given one.
    unit_name = event.data.get("unit_name")
    note = public_note(event.type.removeprefix("case."), step.public_note)
    if event.type == CaseRouted.type and note is None:
        note = f"{event.data.get('unit_name')}: {event.data.get('reason')}"
    entry = None  # the timeline's row for the step, written with it
    if event.type not in INTERNAL_STEPS or note is not None:
        entry = {"event_id": event.id, "step": event.type.removeprefix("case."), "note": note}
    before = await repository.apply_step(
        session,
        case_id=event.case_id,
        at=event.time,
        status=step.status,
        kind=step.kind if event.type == CaseReclassified.type else None,
        unit_code=step.unit_code,
        unit_name=unit_name if isinstance(unit_name, str) else None,
        remote_area=bool(event.data.get("remote_area", False)),
        entry=entry,
    )
    if before is None:
        raise LookupError(f"{event.type} for unknown case {event.case_id}")
    if event.type in (CaseResolved.type, CaseDecisionDelivered.type):
        await _merge_resolution(session, event, *before)


async def _merge_resolution(
    session: AsyncSession,
    event: Envelope,
    resolution: dict[str, Any] | None,
    resolved_on: date | None,
) -> None:
    """The unit's answer (case.resolved, if its date is not older than the one recorded) or
    the day the citizen received it (case.decision_delivered), merged into what the
    resolution holds: once per case, so a second statement on the row already locked."""
    merged = dict(resolution or {})  # a receipt or an answer already recorded stays
    if event.type == CaseResolved.type:
        resolved = event.parse(CaseResolved)
        if resolved_on is not None and resolved.resolved_on < resolved_on:
            return
        resolved_on = resolved.resolved_on
        merged |= {
            "summary": resolved.summary,
            "decision_ref": resolved.decision_ref,
            "resolved_on": resolved.resolved_on.isoformat(),
            "publish": resolved.publish,
        }
    else:
        merged["received_on"] = event.parse(CaseDecisionDelivered).received_on.isoformat()
    await repository.set_resolution(session, event.case_id, merged, resolved_on)


async def on_deadline_set(session: AsyncSession, event: Envelope, deps: object) -> None:
    data = event.parse(DeadlineSet)
    if data.kind in BOARD_CLOCKS:
        return  # a people's inspection board's recommendation or request, not a citizen's case
    # One statement, no lock on the case: LookupError for an unknown case, and two events of
    # one deadline at once meet on its row (repository.merge_deadline).
    await repository.merge_deadline(
        session,
        id=data.deadline_id,
        case_id=event.case_id,
        kind=data.kind,
        due_at=data.due_at,
        state=data.state,
        basis=data.basis,
        updated_by_event_at=event.time,
    )


HANDLERS: dict[str, DepsHandler[object]] = {
    **dict.fromkeys(STEP_TYPES, on_unit_step),
    DeadlineSet.type: on_deadline_set,
}
