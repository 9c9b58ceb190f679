from __future__ import annotations

import base64
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.notification.deadlines import repository
from services.notification.deadlines.models import PAUSED, Deadline, DeadlineChange
from services.notification.deadlines.schemas import (
    DeadlineChangeRead,
    DeadlineList,
    DeadlineRead,
)
from shared.auth import CurrentPrincipal, Principal, Role
from shared.confidential import withheld_from
from shared.dates import IsoDateTime
from shared.db import DbSession
from shared.errors import Forbidden, Unauthorized, Unprocessable, problem_responses

router = APIRouter(tags=["deadlines"], responses=problem_responses(Unauthorized, Forbidden))
STATES = ("running", "paused", "met", "breached", "expired", "cancelled")


def _read(d: Deadline, history: list[DeadlineChange] | None = None) -> DeadlineRead:
    return DeadlineRead(
        id=d.id,
        case_id=d.case_id,
        kind=d.step,
        step=d.step,
        unit_code=d.unit_code,
        basis=d.basis,
        policy_id=d.policy_id,
        starts_on=d.starts_on,
        due_on=d.due_on,
        due_at=None if d.state == PAUSED else d.due_at,
        state=d.state,
        extensions=d.extensions,
        complexity=d.complexity,
        met_at=d.met_at,
        breached_at=d.breached_at,
        history=[DeadlineChangeRead.model_validate(h, from_attributes=True) for h in history or []],
    )


def _sees(principal: Principal, d: Deadline) -> bool:
    return principal.role is Role.admin or principal.unit_code in (d.unit_code, d.province_code)


@router.get("/v1/cases/{case_id}/deadlines", response_model=DeadlineList)
async def case_deadlines(
    case_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal
) -> DeadlineList:
    """Each deadline of a case: kind, legal basis, start, due, state, and its history."""
    rows = await repository.of_case(session, case_id)
    # A transferred case: either unit (or its province) may read its clocks.
    if rows and not any(_sees(principal, d) for d in rows):
        raise Forbidden(f"case {case_id} is not in unit {principal.unit_code}")
    history: dict[uuid.UUID, list[DeadlineChange]] = defaultdict(list)
    for h in await repository.changes_of_case(session, case_id):
        history[h.deadline_id].append(h)
    items = [_read(d, history[d.id]) for d in rows]
    tracked = await repository.tracked_case(session, case_id)
    if withheld_from(principal, tracked.kind if tracked else None, *(d.case_kind for d in rows)):
        # Supervisors follow a denunciation's clocks, never why they moved (as in routing).
        hidden = {"reason": None, "decision_ref": None}
        for item in items:
            item.history = [h.model_copy(update=hidden) for h in item.history]
    return DeadlineList(items=items)


def _cursor(d: Deadline) -> str:
    return base64.urlsafe_b64encode(f"{d.due_at.isoformat()}|{d.id}".encode()).decode()


def _parse_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        due, ident = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(due), uuid.UUID(ident)
    except Exception:
        raise Unprocessable.field(["query", "cursor"], "not a cursor from this list") from None


@router.get(
    "/v1/deadlines",
    response_model=DeadlineList,
    responses=problem_responses(Unprocessable),
)
async def list_deadlines(
    session: DbSession,
    principal: CurrentPrincipal,
    unit_code: str | None = None,
    state: Annotated[str | None, Query(pattern="^(" + "|".join(STATES) + ")$")] = None,
    due_before: IsoDateTime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> DeadlineList:
    """What is due soon or breached, per unit, soonest first (keyset pagination)."""
    seen_by = None
    if principal.role is not Role.admin:
        if principal.unit_code is None:
            raise Forbidden("a unit is required to list deadlines")
        seen_by = principal.unit_code
    if due_before is not None and due_before.tzinfo is None:
        raise Unprocessable.field(["query", "due_before"], "needs a UTC offset")
    rows = await repository.page(
        session,
        seen_by=seen_by,
        unit_code=unit_code,
        state=state,
        due_before=due_before,
        after=_parse_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return DeadlineList(
        items=[_read(d) for d in rows], next_cursor=_cursor(rows[-1]) if more else None
    )
