from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from services.intake.actions.service import AppealPoliciesDep
from services.intake.cases import repository
from services.intake.cases.schemas import CasePublic
from services.intake.cases.secrets import Cipher, normalise_tracking_code, token_matches
from services.intake.tracking.service import build_view
from shared.db import SnapshotSession
from shared.errors import NotFound, problem_responses

# The cases' path and tag: following a case is, for its reader, part of the cases' API.
router = APIRouter(prefix="/v1/cases", tags=["cases"])


@router.get("/{tracking_code}", response_model=CasePublic, responses=problem_responses(NotFound))
async def view_case(
    tracking_code: str,
    appeal_policies: AppealPoliciesDep,
    cipher: Cipher,
    response: Response,
    session: SnapshotSession,
    x_case_token: Annotated[str | None, Header()] = None,
) -> CasePublic:
    """The case's public view; with `X-Case-Token` the citizen's full view."""
    # The answer depends on the token: no cache may give one view for the other, and the
    # full view (the citizen's identity, the conversation) is stored by none.
    response.headers["Vary"] = "X-Case-Token"
    if x_case_token is not None:
        response.headers["Cache-Control"] = "no-store"
    case = await repository.by_tracking_code(session, normalise_tracking_code(tracking_code))
    if case is None:
        raise NotFound(f"no case with tracking code {tracking_code}")
    full = x_case_token is not None and token_matches(x_case_token, case.access_token_hash)
    policy = appeal_policies.get(case.kind)
    return await build_view(
        session,
        case,
        full=full,
        cipher=cipher,
        court=policy.court if policy else None,
    )
