"""The board's work on single cases and the unit's follow-up (issue 17): a recommendation on
one case without a supervision, and a follow-up action recorded done."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.routing.cases.models import RoutedCase
from services.routing.supervision import answers, repository, schemas, service
from services.routing.supervision.endpoints import Service
from services.routing.supervision.models import Recommendation
from services.routing.supervision.views import recommendation_view
from shared.auth import CurrentPrincipal, Role
from shared.db import DbSession
from shared.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from shared.errors import problem_responses as problems

case_recommendations_router = APIRouter(
    prefix="/v1/cases",
    tags=["supervision"],
    responses=problems(Unauthorized, Forbidden, NotFound, Unprocessable),
)
follow_up_router = APIRouter(prefix="/v1/recommendations", tags=["supervision"])


async def _for_staff_recommendation(
    recommendation_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal
) -> Recommendation:
    rec = await repository.locked_recommendation(session, recommendation_id)
    if rec is None:
        raise NotFound(f"no recommendation {recommendation_id}")
    service.require_unit_staff(principal, rec.unit_code)
    return rec


async def _case_for_board(
    case_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal
) -> RoutedCase:
    if principal.role is not Role.supervisor:  # refused before the case is looked up
        raise Forbidden(
            f"only the people's inspection board recommends, not {principal.role.value}"
        )
    case = await session.get(RoutedCase, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    service.require_board(principal, case.unit_code)
    return case


StaffRecommendation = Annotated[Recommendation, Depends(_for_staff_recommendation)]
BoardCase = Annotated[RoutedCase, Depends(_case_for_board)]


@follow_up_router.post(
    "/{recommendation_id}/follow-up/{action_id}/done",
    response_model=schemas.RecommendationRead,
    responses=problems(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable),
)
async def follow_up_done(
    rec: StaffRecommendation,
    action_id: uuid.UUID,
    body: schemas.ActionDoneCommand,
    session: DbSession,
    principal: CurrentPrincipal,
    flow: Service,
) -> schemas.RecommendationRead | schemas.RecommendationPublic:
    """The unit (an official or the head) records a follow-up action it committed to as done;
    its clock is met."""
    done = await answers.action_done(session, flow.outbox, principal, rec, action_id, body)
    return recommendation_view(done, public=False)


@case_recommendations_router.post(
    "/{case_id}/recommendations", status_code=201, response_model=schemas.RecommendationRead
)
async def recommend_on_case(
    case: BoardCase,
    body: schemas.CaseRecommendationCreate,
    session: DbSession,
    principal: CurrentPrincipal,
    flow: Service,
) -> schemas.RecommendationRead | schemas.RecommendationPublic:
    """A recommendation on a single case without a supervision (the board of the case's
    unit only): answered, timed and published like any other."""
    rec = await flow.recommend_on_case(session, principal, case, body)
    return recommendation_view(rec, public=False)
