from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.notification.deadlines.service import DeadlineClocks
from services.notification.preview.schemas import DeadlinePreview
from services.notification.preview.service import PreviewQuery, preview
from shared.errors import Unprocessable, problem_responses
from shared.events import DeadlineStep

router = APIRouter(tags=["deadlines"])

Kind = Literal["complaint", "denunciation", "petition", "feedback", "dialogue_request"]
Complexity = Literal["none", "complex", "very_complex", "several_places"]


@router.get(
    "/v1/deadlines/preview",
    response_model=DeadlinePreview,
    responses=problem_responses(Unprocessable),
)
async def preview_deadline(
    clocks: DeadlineClocks,
    kind: Kind,
    step: DeadlineStep,
    received: date,
    start: date | None = None,
    attempt: Literal["first", "second"] = "first",
    remote: bool = False,
    complexity: Complexity = "none",
    extensions: Annotated[int, Query(ge=0, le=10)] = 0,
) -> DeadlinePreview:
    """Public: the due date the law gives a step, with its rule, article, day type and the days
    off skipped, computed as the running clocks compute it (administrators' corrections too)."""
    reference = clocks.reference
    query = PreviewQuery(
        kind=kind,
        step=step.value,
        received=received,
        start=start,
        attempt=attempt,
        remote=remote,
        complexity=complexity,
        extensions=extensions,
    )
    return preview(reference.book, reference.calendar, query)
