"""The board's other clocks (issue 17), timed like a recommendation's answer:

- a request for information to the unit: started by supervision.information_requested, met by
  supervision.information_given. Asked on Fri 20 Nov 2026, 10 calendar days (policies.yaml,
  marked check) end on Mon 30 Nov, a working day; the breach at the start of Tue 1 Dec.
- a follow-up action the head committed to in an answer: started by recommendation.answered,
  to the head's own date, met by recommendation.action_done. Answered on Tue 1 Dec with an
  action due Tue 15 Dec: the breach at the start of Wed 16 Dec, escalated to the unit and its
  province.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select

from services.notification.deadlines.models import Deadline
from services.notification.timers.sweeper import TimerSweeper
from shared.events import (
    RECOMMENDATION_ACTION_DONE,
    RECOMMENDATION_ANSWERED,
    SUPERVISION_INFORMATION_GIVEN,
    SUPERVISION_INFORMATION_REQUESTED,
    FollowUpAction,
    RecommendationActionDone,
    RecommendationAnswered,
    SupervisionInformationGiven,
    SupervisionInformationRequested,
)
from tests.notification.support import FakeClock
from tests.notification.test_recommendation_clock import ONLY, RECOMMENDED_ON, Board
from tests.support.stack import Stack, kernel_of


async def clock_of(board: Board, id_: uuid.UUID) -> Deadline:
    async with kernel_of(board.app).database.sessions() as session:
        found = await session.scalar(select(Deadline).where(Deadline.case_id == id_))
        assert found is not None
        return found


async def breached_payload(stack: Stack) -> bytes:
    """The one deadline.breached announced (the other clock was met in time)."""
    assert await stack.count("notification", "outbox", event_type="deadline.breached") == 1
    payload: bytes = await stack.scalar(
        "notification", "SELECT payload FROM outbox WHERE event_type = 'deadline.breached'"
    )
    return payload


async def test_a_request_for_information_is_timed_met_and_breached(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        board = Board(stack.apps["notification"], FakeClock(datetime(2026, 11, 20, tzinfo=UTC)))
        answered, silent = uuid.uuid4(), uuid.uuid4()
        for request in (answered, silent):
            asked = SupervisionInformationRequested(
                supervision_id=board.supervision_id, request_id=request, unit_code="06427",
                province_code="20", due_on=date(2026, 11, 30), basis="routing's estimate",
                actor="ban-ttnd",
            )  # fmt: skip
            await board.send(SUPERVISION_INFORMATION_REQUESTED, asked, RECOMMENDED_ON)
            await board.send(SUPERVISION_INFORMATION_REQUESTED, asked, RECOMMENDED_ON)  # again
        d = await clock_of(board, answered)
        assert (d.step, d.case_kind, d.due_on, d.state) == (
            "answer_information", "information_request", date(2026, 11, 30), "running",
        )  # fmt: skip
        assert "Luật Thực hiện dân chủ ở cơ sở 2022" in d.basis
        given = SupervisionInformationGiven(
            supervision_id=board.supervision_id, request_id=answered, unit_code="06427",
            on_time=True, actor="can-bo",
        )  # fmt: skip
        await board.send(SUPERVISION_INFORMATION_GIVEN, given, date(2026, 11, 25))
        assert (await clock_of(board, answered)).state == "met"
        sweeper = TimerSweeper(kernel_of(board.app).database, board.clocks, owner="a")
        board.clock.set_local(date(2026, 12, 1), 9)
        await sweeper.sweep_once()
        assert (await clock_of(board, silent)).state == "breached"
        breached = await breached_payload(stack)
        assert b'"kind":"answer_information"' in breached
        assert b'"escalated_to":["06427","20"]' in breached


async def test_follow_up_actions_run_to_the_heads_dates(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        board = Board(stack.apps["notification"], FakeClock(datetime(2026, 11, 20, tzinfo=UTC)))
        rec = await board.recommend()
        done, undone = uuid.uuid4(), uuid.uuid4()
        answer = RecommendationAnswered(
            supervision_id=board.supervision_id, recommendation_id=rec, unit_code="06427",
            province_code="20", outcome="accepted", on_time=True, actor="chu-tich",
            follow_up_dates=[date(2026, 12, 15), date(2026, 12, 15)],
            follow_up=[FollowUpAction(action_id=done, due_on=date(2026, 12, 15)),
                       FollowUpAction(action_id=undone, due_on=date(2026, 12, 15))],
        )  # fmt: skip
        await board.send(RECOMMENDATION_ANSWERED, answer, date(2026, 12, 1))
        await board.send(RECOMMENDATION_ANSWERED, answer, date(2026, 12, 1))  # redelivered
        assert (await clock_of(board, rec)).state == "met"
        d = await clock_of(board, done)
        assert (d.step, d.case_kind, d.due_on, d.state) == (
            "follow_up_action", "recommendation_action", date(2026, 12, 15), "running",
        )  # fmt: skip
        finished = RecommendationActionDone(
            supervision_id=board.supervision_id, recommendation_id=rec, action_id=done,
            unit_code="06427", on_time=True, actor="can-bo",
        )  # fmt: skip
        await board.send(RECOMMENDATION_ACTION_DONE, finished, date(2026, 12, 10))
        assert (await clock_of(board, done)).state == "met"
        sweeper = TimerSweeper(kernel_of(board.app).database, board.clocks, owner="a")
        board.clock.set_local(date(2026, 12, 16), 9)
        await sweeper.sweep_once()
        assert (await clock_of(board, undone)).state == "breached"
        breached = await breached_payload(stack)
        assert b'"kind":"follow_up_action"' in breached
        assert b'"escalated_to":["06427","20"]' in breached
