"""The people's inspection boards' supervisions and recommendations (api.md, dân giám sát).

Access is checked in the dependencies, before the body is read: a caller who may not act
is a 403 whatever the body, one who may gets the 422 of a bad body.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.routing import local_day
from services.routing.supervision import answers, repository, schemas, service, views
from services.routing.supervision.models import Recommendation, Supervision
from services.routing.supervision.policy import SupervisionPolicyDep
from services.routing.supervision.service import Supervisions
from services.routing.units.registry import Units
from shared.auth import CurrentPrincipal, Principal, Role, Verifier, require_unit_access
from shared.db import DbSession
from shared.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from shared.errors import problem_responses as problems
from shared.kernel import OutboxDep

router = APIRouter(
    prefix="/v1/supervisions",
    tags=["supervision"],
    responses=problems(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable),
)
recommendations_router = APIRouter(prefix="/v1/recommendations", tags=["supervision"])
boards_router = APIRouter(
    prefix="/v1/boards",
    tags=["supervision"],
    responses=problems(Unauthorized, Forbidden, Unprocessable),
)


def _service(outbox: OutboxDep, units: Units, policy: SupervisionPolicyDep) -> Supervisions:
    return Supervisions(outbox, units, policy)


async def _load(session: DbSession, supervision_id: uuid.UUID, *, lock: bool) -> Supervision:
    sup = await repository.supervision(session, supervision_id, lock=lock)
    if sup is None:
        raise NotFound(f"no supervision {supervision_id}")
    return sup


def _board(principal: CurrentPrincipal) -> Principal:
    if principal.role is not Role.supervisor:
        raise Forbidden(
            f"only the people's inspection board writes as the board, not {principal.role.value}"
        )
    return principal


async def _for_board(
    supervision_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal
) -> Supervision:
    sup = await _load(session, supervision_id, lock=True)
    service.require_board(principal, sup.unit_code)
    return sup


async def _for_reader(
    supervision_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal
) -> Supervision:
    sup = await _load(session, supervision_id, lock=False)
    service.require_reader(principal, sup)
    return sup


async def _for_staff(
    supervision_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal
) -> Supervision:
    sup = await _load(session, supervision_id, lock=True)
    service.require_unit_staff(principal, sup.unit_code)
    return sup


async def _for_head(
    recommendation_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal
) -> Recommendation:
    rec = await repository.locked_recommendation(session, recommendation_id)
    if rec is None:
        raise NotFound(f"no recommendation {recommendation_id}")
    service.require_head(principal, rec.unit_code)
    return rec


_bearer = HTTPBearer(auto_error=False)


async def _maybe_principal(
    verifier: Verifier, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal | None:
    if credentials is None:
        return None
    return await verifier.verify(credentials.credentials)


Board = Annotated[Principal, Depends(_board)]
BoardSupervision = Annotated[Supervision, Depends(_for_board)]
ReadSupervision = Annotated[Supervision, Depends(_for_reader)]
StaffSupervision = Annotated[Supervision, Depends(_for_staff)]
HeadRecommendation = Annotated[Recommendation, Depends(_for_head)]
Service = Annotated[Supervisions, Depends(_service)]
MaybePrincipal = Annotated[Principal | None, Depends(_maybe_principal)]


@router.post("", status_code=201, response_model=schemas.SupervisionRead)
async def open_supervision(
    body: schemas.SupervisionCreate, session: DbSession, principal: Board, flow: Service
) -> schemas.SupervisionRead:
    """Open a supervision of the board's own unit over a period, cases or a theme."""
    sup = await flow.open(session, principal, body)
    return await views.supervision_in_full(session, sup)


@router.get("", response_model=schemas.SupervisionPage)
async def list_supervisions(
    session: DbSession,
    principal: CurrentPrincipal,
    units: Units,
    unit_code: Annotated[str, Query(min_length=2, max_length=16)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> schemas.SupervisionPage:
    """A unit's supervisions, newest first."""
    unit = units.get(unit_code)
    if unit is None:
        raise NotFound(f"no unit {unit_code}")
    require_unit_access(principal, unit.code, parent_code=unit.province_code)
    found = await repository.supervisions_of(session, unit.code, limit + 1, cursor)
    page = found[:limit]
    more = len(found) > limit
    return schemas.SupervisionPage(
        items=[views.supervision_view(s) for s in page],
        next_cursor=repository.encode_cursor(page[-1].opened_at, page[-1].id) if more else None,
    )


@router.get("/{supervision_id}", response_model=schemas.SupervisionRead)
async def get_supervision(sup: ReadSupervision, session: DbSession) -> schemas.SupervisionRead:
    """The supervision, its entries and recommendations, and the cases in scope:
    denunciations by count and status only."""
    return await views.supervision_in_full(session, sup)


@router.post("/{supervision_id}/entries", status_code=201, response_model=schemas.EntryRead)
async def add_entry(
    sup: BoardSupervision,
    body: schemas.EntryCreate,
    session: DbSession,
    principal: CurrentPrincipal,
    flow: Service,
) -> schemas.EntryRead:
    """The board's note, finding, or request for information to the unit (with its due date)."""
    return views.entry_view(await flow.add_entry(session, principal, sup, body))


@router.post(
    "/{supervision_id}/entries/{request_id}/answer",
    status_code=201,
    response_model=schemas.EntryRead,
)
async def answer_info_request(
    sup: StaffSupervision,
    request_id: uuid.UUID,
    body: schemas.InfoAnswerCreate,
    session: DbSession,
    principal: CurrentPrincipal,
    flow: Service,
) -> schemas.EntryRead:
    """The unit's answer to the board's request for information."""
    return views.entry_view(
        await answers.answer_info(session, flow.outbox, principal, sup, request_id, body)
    )


@router.post(
    "/{supervision_id}/recommendations",
    status_code=201,
    response_model=schemas.RecommendationRead,
)
async def recommend(
    sup: BoardSupervision,
    body: schemas.RecommendationCreate,
    session: DbSession,
    principal: CurrentPrincipal,
    flow: Service,
) -> schemas.RecommendationRead | schemas.RecommendationPublic:
    """A recommendation (kiến nghị) to the unit's head, optionally on one case; `due_on` is
    the head's response deadline under the policy in force."""
    return views.recommendation_view(
        await flow.recommend(session, principal, sup, body), public=False
    )


@router.post("/{supervision_id}/close", response_model=schemas.SupervisionRead)
async def close_supervision(
    sup: BoardSupervision,
    body: schemas.CloseCommand,
    session: DbSession,
    principal: CurrentPrincipal,
    flow: Service,
) -> schemas.SupervisionRead:
    """Close the supervision with the board's report."""
    return await views.supervision_in_full(session, await flow.close(session, principal, sup, body))


@recommendations_router.post(
    "/{recommendation_id}/answer",
    response_model=schemas.RecommendationRead,
    responses=problems(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable),
)
async def answer_recommendation(
    rec: HeadRecommendation,
    body: schemas.AnswerCommand,
    session: DbSession,
    principal: CurrentPrincipal,
    flow: Service,
) -> schemas.RecommendationRead | schemas.RecommendationPublic:
    """The unit head's answer: accepted, partly, or rejected, with reasons and follow-up."""
    return views.recommendation_view(
        await answers.answer(session, flow.outbox, principal, rec, body), public=False
    )


@recommendations_router.get(
    "",
    response_model=schemas.RecommendationPage,
    responses=problems(Unauthorized, Forbidden, NotFound, Unprocessable),
)
async def list_recommendations(
    session: DbSession,
    units: Units,
    principal: MaybePrincipal,
    unit_code: Annotated[str, Query(min_length=2, max_length=16)],
    state: Literal["open", "answered", "overdue"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> schemas.RecommendationPage:
    """A unit's recommendations. Public (dân biết), without a token and without personal
    data or case references, once answered or overdue; the unit, its province and its board
    also see the open ones, with who and which case."""
    unit = units.get(unit_code)
    if unit is None:
        raise NotFound(f"no unit {unit_code}")
    try:
        if principal is None:
            raise Forbidden("anonymous")
        require_unit_access(principal, unit.code, parent_code=unit.province_code)
        public = False
    except Forbidden:
        public = True
    if public and state == "open":
        if principal is None:
            raise Unauthorized(
                "open recommendations need a bearer token of the unit or its board",
                headers={"WWW-Authenticate": "Bearer"},
            )
        raise Forbidden("open recommendations are public only once answered or overdue")
    today = local_day(datetime.now(UTC))
    where = repository.recommendation_conditions(
        unit.code, state or ("public" if public else None), today
    )
    found = await repository.recommendations(session, where, limit + 1, cursor)
    page = found[:limit]
    last = page[-1] if len(found) > limit else None
    return schemas.RecommendationPage(
        items=[views.recommendation_view(r, public=public) for r in page],
        next_cursor=repository.encode_cursor(last.issued_at, last.id) if last else None,
    )


@boards_router.get("/{unit_code}/messages", response_model=schemas.BoardMessagePage)
async def board_queue(
    unit_code: str,
    session: DbSession,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> schemas.BoardMessagePage:
    """The board's queue: residents' messages about how their cases are handled, sent from
    the case with its token (`POST /v1/cases/{tracking_code}/messages` on intake, with
    `"to": "board"`), or new feedback addressed to the board (`POST /v1/cases` with
    `"kind": "feedback", "addressed_to": "board"`). Only the unit's own board reads it."""
    service.require_board(principal, unit_code)
    found = await repository.board_messages(session, unit_code, limit + 1, cursor)
    page = found[:limit]
    last = page[-1] if len(found) > limit else None
    return schemas.BoardMessagePage(
        items=[
            schemas.BoardMessageRead(
                id=m.id,
                case_id=m.case_id,
                tracking_code=m.tracking_code,
                case_kind=m.case_kind,
                text=m.text,
                at=m.at,
                via="submission" if m.id == m.case_id else "case",
            )
            for m in page
        ],
        next_cursor=repository.encode_cursor(last.at, last.id) if last else None,
    )
