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


class SupervisionOpened(EventData, type="supervision.opened"):
    supervision_id: uuid.UUID
    unit_code: str
    province_code: str
    title: str
    actor: str


class SupervisionRecommended(EventData, type="supervision.recommended"):
    """A recommendation to the unit's head: notification starts its response clock."""

    supervision_id: uuid.UUID | None  # None: a recommendation on a single case
    recommendation_id: uuid.UUID
    unit_code: str
    province_code: str
    case_id: uuid.UUID | None = None
    due_on: date  # the head's response deadline, from the policy in force
    basis: str  # the legal basis of the response period (marked check where unsure)
    actor: str


class FollowUpAction(EventData):
    """A follow-up action the head commits to, with its own date: notification times it."""

    action_id: uuid.UUID
    due_on: date


class RecommendationAnswered(EventData, type="recommendation.answered"):
    supervision_id: uuid.UUID | None  # None: a recommendation on a single case
    recommendation_id: uuid.UUID
    unit_code: str
    outcome: str  # accepted | partly | rejected
    on_time: bool
    follow_up_dates: list[date] = Field(default_factory=list)
    actor: str
    province_code: str | None = None
    # The same actions with their ids: each one's clock (step follow_up_action).
    follow_up: list[FollowUpAction] = Field(default_factory=list)


class SupervisionClosed(EventData, type="supervision.closed"):
    supervision_id: uuid.UUID
    unit_code: str
    actor: str
    recommendations: int


class SupervisionInformationRequested(EventData, type="supervision.information_requested"):
    """The board asks the unit for information: notification starts the response clock."""

    supervision_id: uuid.UUID
    request_id: uuid.UUID
    unit_code: str
    province_code: str
    due_on: date  # routing's first estimate under the policy in force
    basis: str
    actor: str


class SupervisionInformationGiven(EventData, type="supervision.information_given"):
    """The unit answers the board's request for information: its clock is met."""

    supervision_id: uuid.UUID
    request_id: uuid.UUID
    unit_code: str
    on_time: bool
    actor: str


class RecommendationActionDone(EventData, type="recommendation.action_done"):
    """The unit records a follow-up action of an accepted recommendation done: its clock is met."""

    supervision_id: uuid.UUID | None
    recommendation_id: uuid.UUID
    action_id: uuid.UUID
    unit_code: str
    on_time: bool
    actor: str


# The step of a recommendation's response clock in notification's deadline events, which are
# then keyed by the recommendation's id, not a case's: consumers of deadline.* tell them apart.
RECOMMENDATION_CLOCK = DeadlineStep.answer_recommendation.value
INFORMATION_CLOCK = DeadlineStep.answer_information.value  # keyed by the request's id
FOLLOW_UP_CLOCK = DeadlineStep.follow_up_action.value  # keyed by the action's id
# The board's clocks: none is a case's (intake and routing's queues pass over them).
BOARD_CLOCKS = frozenset({RECOMMENDATION_CLOCK, INFORMATION_CLOCK, FOLLOW_UP_CLOCK})

# The types by name, for the modules that import them so: the model is the type.
SUPERVISION_OPENED = SupervisionOpened.type
SUPERVISION_RECOMMENDED = SupervisionRecommended.type
RECOMMENDATION_ANSWERED = RecommendationAnswered.type
SUPERVISION_CLOSED = SupervisionClosed.type
SUPERVISION_INFORMATION_REQUESTED = SupervisionInformationRequested.type
SUPERVISION_INFORMATION_GIVEN = SupervisionInformationGiven.type
RECOMMENDATION_ACTION_DONE = RecommendationActionDone.type
