"""A unit's work queue (api.md): its cases by due time, with filters and counts per status."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Query

from services.routing.cases import machine
from services.routing.queues import repository
from services.routing.queues.schemas import QueueItem, QueuePage
from services.routing.rules.engine import FALLBACK_UNIT
from services.routing.units.registry import Units
from shared.auth import CurrentPrincipal, require_unit_access
from shared.confidential import withheld_from
from shared.dates import IsoDateTime
from shared.db import DbSession, plan_for_these_values
from shared.errors import Forbidden, NotFound, Unauthorized, Unprocessable, problem_responses
from shared.events import CaseStatus

router = APIRouter(
    prefix="/v1/queues",
    tags=["queues"],
    responses=problem_responses(Unauthorized, Forbidden, NotFound, Unprocessable),
)

# Without a status filter a queue shows the work still to do.
OPEN = (CaseStatus.routed, CaseStatus.info_requested, CaseStatus.accepted, CaseStatus.suspended)
# Spelled out for the OpenAPI document (an enum would become a schema of its own): every
# status a routed case can have.
StatusName = Literal[
    "routed",
    "info_requested",
    "accepted",
    "suspended",
    "resolved",
    "closed",
    "rejected",
    "withdrawn",
    "appealed",
]
assert set(get_args(StatusName)) == set(CaseStatus) - {CaseStatus.submitted}
KindName = Literal["complaint", "denunciation", "petition", "feedback", "dialogue_request"]


@router.get("/{unit_code}", response_model=QueuePage)
async def queue(
    unit_code: str,
    units: Units,
    session: DbSession,
    principal: CurrentPrincipal,
    status: Annotated[list[StatusName] | None, Query()] = None,
    kind: KindName | None = None,
    due_before: IsoDateTime | None = None,
    assignee: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> QueuePage:
    """The unit's cases, soonest due first (undated last); `next_cursor` reads on."""
    parent = None
    if unit_code != FALLBACK_UNIT:
        unit = units.get(unit_code)
        if unit is None:
            raise NotFound(f"no unit {unit_code}")
        parent = unit.province_code if unit.province_code != unit.code else None
    require_unit_access(principal, unit_code, parent_code=parent)
    if due_before is not None and due_before.tzinfo is None:
        raise Unprocessable.field(["query", "due_before"], "give the time with its offset")
    filters = repository.QueueFilter(
        unit_code=unit_code,
        statuses=status or OPEN,
        kind=kind,
        due_before=due_before,
        assignee=assignee,
    )
    after = repository.Position.decode(cursor) if cursor else None
    await plan_for_these_values(session)
    rows, last = await repository.page(session, filters, limit=limit, after=after)
    return QueuePage(
        unit_code=unit_code,
        items=[
            QueueItem(
                id=c.id,
                tracking_code=c.tracking_code,
                kind=c.kind,
                # A denunciation's content is not for supervisors, not even its title.
                title="(withheld)" if withheld_from(principal, c.kind) else c.title,
                status=c.status,
                public_status=machine.public(c.status),
                unit_code=c.unit_code,
                assignee=c.assignee,
                received_at=c.received_at,
                due_at=c.due_at,
                due_kind=c.due_kind,
            )
            for c in rows
        ],
        next_cursor=last.encode() if last else None,
        counts=await repository.counts(session, filters),
    )
