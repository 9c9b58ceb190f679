"""What every step shares: lock the case, check the table, write the audit row and the event.

The case row is locked (SELECT ... FOR UPDATE; SQLite's BEGIN IMMEDIATE already serialises
writers) before its status is read for the decision, so two concurrent steps on one case run
one after the other: the second sees the first's result and is refused if no longer allowed.
The version column (version_id_col) guards any path that forgets the lock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from services.routing.cases.models import CaseStep, RoutedCase
from services.routing.queues.clocks import refresh_due
from services.routing.workflow import machine
from services.routing.workflow.machine import Step
from shared.errors import Conflict
from shared.events import EventData, new_event
from shared.messaging.outbox import Outbox

SOURCE = "routing"
SYSTEM_ACTOR = "system:routing"


async def lock_case(session: AsyncSession, case_id: uuid.UUID) -> RoutedCase | None:
    """The case, locked for this transaction and freshly read."""
    result = await session.execute(
        select(RoutedCase)
        .where(RoutedCase.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


def unit_step_fields(case: RoutedCase, actor: str, public_note: str | None) -> dict[str, Any]:
    """The common part of every unit step event (shared.events.UnitStep)."""
    return {
        "tracking_code": case.tracking_code,
        "kind": case.kind,
        "unit_code": case.unit_code,
        "province_code": case.province_code,
        "actor": actor,
        "status": machine.public(case.status),
        # A denunciation's content never leaves in a public field (Tố cáo Điều 8, 47).
        "public_note": None if case.kind == "denunciation" else public_note,
    }


@dataclass
class Applied:
    """A step taken: the event announcing it (if any) and what the caller may want back."""

    step: Step
    event_id: uuid.UUID | None
    extra: dict[str, Any] = field(default_factory=dict)


async def apply_step(
    session: AsyncSession,
    outbox: Outbox,
    case: RoutedCase,
    step: Step,
    *,
    actor: str,
    event_type: str | None,
    event: type[EventData] | None,
    event_fields: dict[str, Any] | None = None,
    public_note: str | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Applied:
    """Move `case` by `step` (409 if the table forbids it), audit it, and queue its event.

    The case must have been locked by the caller (`lock_case`).
    """
    now = now or datetime.now(UTC)
    before = case.status
    after = machine.target(before, step, previous=case.paused_from)
    if after in (machine.Status.info_requested, machine.Status.suspended) and before != after:
        case.paused_from = before
    elif before in (machine.Status.info_requested, machine.Status.suspended) and before != after:
        case.paused_from = None
    case.status = after.value
    envelope = None
    if event_type is not None and event is not None:
        payload = unit_step_fields(case, actor, public_note) | (event_fields or {})
        envelope = new_event(
            event_type,
            source=SOURCE,
            case_id=case.id,
            at=now,
            data=event.model_validate(payload),
        )
    session.add(
        CaseStep(
            case_id=case.id,
            step=step.value,
            actor=actor,
            at=now,
            from_status=before,
            to_status=after.value,
            reason=reason,
            data=data,
            event_id=envelope.id if envelope else None,
        )
    )
    try:
        if before != after.value:
            await refresh_due(session, case)  # the clock that matters changes with the status
        await session.flush()  # the version check: a lost race fails, it never overwrites
    except StaleDataError as exc:
        raise Conflict(
            "the case changed while this step was being taken; reload it and try again",
            allowed=[],
        ) from exc
    if envelope is not None:
        await outbox.add(session, envelope)
    return Applied(step=step, event_id=envelope.id if envelope else None)
