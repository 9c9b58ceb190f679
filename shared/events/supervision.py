"""Events of the people's inspection boards' supervision (from routing).

Keyed by the supervision's id (the envelope's `case_id` field is the aggregate's key), so
that one supervision's events stay in order. Nothing here carries a denunciation's content
or anyone's personal data: the board's texts are about how cases are handled.
"""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from shared.events.deadlines import DeadlineStep
from shared.events.envelope import EventData


class SupervisionOpened(EventData):
    supervision_id: uuid.UUID
    unit_code: str
    province_code: str
    title: str
    actor: str


class SupervisionRecommended(EventData):
    """A recommendation to the unit's head: notification starts its response clock."""

    supervision_id: uuid.UUID
    recommendation_id: uuid.UUID
    unit_code: str
    province_code: str
    case_id: uuid.UUID | None = None
    due_on: date  # the head's response deadline, from the policy in force
    basis: str  # the legal basis of the response period (marked check where unsure)
    actor: str


class RecommendationAnswered(EventData):
    supervision_id: uuid.UUID
    recommendation_id: uuid.UUID
    unit_code: str
    outcome: str  # accepted | partly | rejected
    on_time: bool
    follow_up_dates: list[date] = Field(default_factory=list)
    actor: str


class SupervisionClosed(EventData):
    supervision_id: uuid.UUID
    unit_code: str
    actor: str
    recommendations: int


# The step of a recommendation's response clock in notification's deadline events, which are
# then keyed by the recommendation's id, not a case's: consumers of deadline.* tell them apart.
RECOMMENDATION_CLOCK = DeadlineStep.answer_recommendation.value

SUPERVISION_OPENED = "supervision.opened"
SUPERVISION_RECOMMENDED = "supervision.recommended"
RECOMMENDATION_ANSWERED = "recommendation.answered"
SUPERVISION_CLOSED = "supervision.closed"
