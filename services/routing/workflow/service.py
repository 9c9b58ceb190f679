"""What every step shares: lock the case, check the table, write the audit row and the event.

The case row is locked (SELECT ... FOR UPDATE; SQLite's BEGIN IMMEDIATE already serialises
writers) before its status is read for the decision, so two concurrent steps on one case run
one after the other: the second sees the first's result and is refused if no longer allowed.
The version column (version_id_col) guards any path that forgets the lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from services.routing import SOURCE, SYSTEM_ACTOR
from services.routing.cases import machine
from services.routing.cases.machine import Step
from services.routing.cases.models import RoutedCase
from services.routing.cases.repository import add_routed, add_step
from services.routing.queues.service import refresh_due
from shared.errors import Conflict
from shared.events import CaseRouted, CaseStatus, EventData, new_event
from shared.messaging.outbox import Outbox


def unit_step_fields(case: RoutedCase, actor: str, public_note: str | None) -> dict[str, Any]:
    """The common part of every unit step event (shared.events.UnitStep)."""
    return step_fields(
        {
            "tracking_code": case.tracking_code,
            "kind": case.kind,
            "unit_code": case.unit_code,
            "province_code": case.province_code,
            "status": case.status,
        },
        actor,
        public_note,
    )


def step_fields(case: Mapping[str, Any], actor: str, public_note: str | None) -> dict[str, Any]:
    """unit_step_fields of a case's row (its columns by name)."""
    return {
        "tracking_code": case["tracking_code"],
        "kind": case["kind"],
        "unit_code": case["unit_code"],
        "province_code": case["province_code"],
        "actor": actor,
        "status": machine.public(case["status"]),
        # A denunciation's content never leaves in a public field (Tố cáo Điều 8, 47).
        "public_note": None if case["kind"] == "denunciation" else public_note,
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
    event: type[EventData] | None = None,
    event_fields: dict[str, Any] | None = None,
    public_note: str | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Applied:
    """Move `case` by `step` (409 if the table forbids it), audit it, and queue its event, of
    the type the model `event` declares (None: a step announced by no event).

    The case must have been locked by the caller (`cases.repository.lock_case`).
    """
    now = now or datetime.now(UTC)
    before = case.status
    after = machine.target(before, step, previous=case.paused_from)
    if after in (CaseStatus.info_requested, CaseStatus.suspended) and before != after:
        case.paused_from = before
    elif before in (CaseStatus.info_requested, CaseStatus.suspended) and before != after:
        case.paused_from = None
    case.status = after.value
    envelope = None
    if event is not None:
        payload = unit_step_fields(case, actor, public_note) | (event_fields or {})
        envelope = new_event(
            event.type,
            source=SOURCE,
            case_id=case.id,
            at=now,
            data=event.model_validate(payload),
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
    # The audit row, after the case's own row (a new case is inserted by the flush above).
    await add_step(
        session,
        {
            "case_id": case.id,
            "step": step.value,
            "actor": actor,
            "at": now,
            "from_status": before,
            "to_status": after.value,
            "reason": reason,
            "data": data,
            "event_id": envelope.id if envelope else None,
        },
    )
    if envelope is not None:
        await outbox.add(session, envelope)
    return Applied(step=step, event_id=envelope.id if envelope else None)


async def route(
    session: AsyncSession,
    outbox: Outbox,
    case: RoutedCase,
    *,
    unit_name: str,
    remote_area: bool,
    data: dict[str, Any],
    now: datetime,
) -> Applied:
    """Routing's first step on a new case (status submitted, unit and rule decided): it goes to
    its unit, announced by case.routed. New in this transaction, the row needs no lock. For a
    case routing opens itself (a second-time complaint, appeals.py); a submitted case, every
    case, takes route_new."""
    session.add(case)
    return await apply_step(
        session,
        outbox,
        case,
        Step.route,
        actor=SYSTEM_ACTOR,
        event=CaseRouted,
        event_fields={
            "received_at": case.received_at,
            "unit_name": unit_name,
            "rule": case.rule,
            "reason": case.reason,
            "remote_area": remote_area,
            "second_time": case.appeal_of is not None,  # Khiếu nại Điều 36-37: longer periods
            "appeal_of": case.appeal_of,
            # The rule's reason for the unit, never the citizen's text: public for every kind.
            "public_note": case.reason,
        },
        reason=case.reason,
        data=data,
        now=now,
    )


async def route_new(
    session: AsyncSession,
    outbox: Outbox,
    case: dict[str, Any],
    *,
    unit_name: str,
    remote_area: bool,
    data: dict[str, Any],
    now: datetime,
    only_if: ColumnElement[bool],
    only_if_params: dict[str, Any],
) -> bool:
    """`route` of a case submitted to routing (every case): the same row, audit row, event and
    roll-up, as its row's values (no ORM object, no flush) and, on PostgreSQL, in one statement.
    `case` holds its columns but the status, unit decided. False when routing held the case
    already (a replay under another event id) or `only_if` (the routing's premise, checked as
    the case is written) failed: then nothing is written."""
    before = CaseStatus.submitted
    after = machine.target(before, Step.route, previous=None)
    row = case | {"status": after.value, "version": 1}
    fields = step_fields(row, SYSTEM_ACTOR, None) | {
        "received_at": row["received_at"],
        "unit_name": unit_name,
        "rule": row["rule"],
        "reason": row["reason"],
        "remote_area": remote_area,
        "second_time": False,  # a second-time complaint is opened by an appeal (appeals.py)
        "appeal_of": None,
        "public_note": row["reason"],  # the rule's reason, public for every kind
    }
    envelope = new_event(
        CaseRouted.type,
        source=SOURCE,
        case_id=row["id"],
        at=now,
        data=CaseRouted.model_validate(fields),
    )
    step = {
        "case_id": row["id"],
        "step": Step.route.value,
        "actor": SYSTEM_ACTOR,
        "at": now,
        "from_status": before.value,
        "to_status": after.value,
        "reason": row["reason"],
        "data": data,
        "event_id": envelope.id,
    }
    return await add_routed(session, row, step, outbox, envelope, only_if, only_if_params)
