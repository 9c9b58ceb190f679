"""A board's recommendation is timed like a case's step (issue 17): started by
supervision.recommended, met by recommendation.answered; unanswered, it is reminded,
breached, escalated to the unit's head and its province, and counted in the metric.

Recommended on Fri 20 Nov 2026: 15 calendar days (policies.yaml, marked check) end on
Sat 5 Dec, a rest day, so the period ends on Mon 7 Dec (Bộ luật Dân sự Điều 148);
reminders 3 working days before (Wed 2 Dec 08:00) and 1 (Fri 4 Dec 08:00), the breach at
the start of Tue 8 Dec.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from prometheus_client import CollectorRegistry
from sqlalchemy import select

from services.notification.deadlines.models import Deadline
from services.notification.deadlines.recommendations import HANDLERS
from services.notification.deadlines.service import NotificationDeps
from services.notification.metrics import NotifyMetrics
from services.notification.notices.gauges import refresh_gauges
from services.notification.timers.models import Timer
from services.notification.timers.sweeper import TimerSweeper
from shared.events import (
    RECOMMENDATION_ANSWERED,
    SUPERVISION_RECOMMENDED,
    EventData,
    RecommendationAnswered,
    SupervisionRecommended,
    new_event,
)
from shared.messaging.consumer import bind
from tests.notification.support import FakeClock, clocks_for, local
from tests.support.stack import kernel_of

ONLY = {"services": ("notification",)}
RECOMMENDED_ON = date(2026, 11, 20)


class Board:
    """Feeds the board's events to notification's handlers, one transaction each."""

    def __init__(self, app: Any, clock: FakeClock) -> None:
        self.app, self.clock = app, clock
        self.clocks = clocks_for(app, clock)
        self.handlers = bind(HANDLERS, NotificationDeps(self.clocks))
        self.supervision_id = uuid.uuid4()

    async def send(self, type_: str, data: EventData, on: date) -> None:
        self.clock.set_local(on)
        event = new_event(
            type_, source="test", case_id=self.supervision_id, data=data, at=local(on)
        )
        async with kernel_of(self.app).database.transaction() as session:
            await self.handlers[type_](session, event)

    async def recommend(self) -> uuid.UUID:
        rec = uuid.uuid4()
        data = SupervisionRecommended(
            supervision_id=self.supervision_id, recommendation_id=rec, unit_code="06427",
            province_code="20", due_on=date(2026, 12, 5), basis="routing's first estimate",
            actor="ban-ttnd",
        )  # fmt: skip
        await self.send(SUPERVISION_RECOMMENDED, data, RECOMMENDED_ON)
        return rec

    async def deadline(self, rec: uuid.UUID) -> Deadline:
        async with kernel_of(self.app).database.sessions() as session:
            found = await session.scalar(select(Deadline).where(Deadline.case_id == rec))
            assert found is not None
            return found


async def test_an_answer_in_time_meets_the_clock(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        board = Board(stack.apps["notification"], FakeClock(datetime(2026, 11, 20, tzinfo=UTC)))
        rec = await board.recommend()
        await board.send(
            SUPERVISION_RECOMMENDED,
            SupervisionRecommended(
                supervision_id=board.supervision_id,
                recommendation_id=rec,
                unit_code="06427",
                province_code="20",
                due_on=date(2026, 12, 5),
                basis="b",
                actor="ban-ttnd",
            ),
            RECOMMENDED_ON,
        )  # fmt: skip  (redelivered: still one clock)
        d = await board.deadline(rec)
        assert (d.step, d.case_kind, d.due_on, d.state) == (
            "answer_recommendation", "recommendation", date(2026, 12, 7), "running",
        )  # fmt: skip
        assert "Luật Thực hiện dân chủ ở cơ sở 2022" in d.basis
        answered = RecommendationAnswered(
            supervision_id=board.supervision_id, recommendation_id=rec, unit_code="06427",
            outcome="accepted", on_time=True, actor="chu-tich",
        )  # fmt: skip
        await board.send(RECOMMENDATION_ANSWERED, answered, date(2026, 12, 1))
        assert (await board.deadline(rec)).state == "met"
        sweeper = TimerSweeper(stack.kernel("notification").database, board.clocks, owner="a")
        board.clock.set_local(date(2026, 12, 8), 9)
        await sweeper.sweep_once()
        assert await stack.count("notification", "outbox", event_type="deadline.breached") == 0


async def test_an_unanswered_recommendation_is_reminded_breached_and_escalated(
    stack_factory,
) -> None:
    async with stack_factory(**ONLY) as stack:
        app = stack.apps["notification"]
        board = Board(app, FakeClock(datetime(2026, 11, 20, tzinfo=UTC)))
        rec = await board.recommend()
        async with kernel_of(app).database.sessions() as session:
            planned = {
                t.kind: t.fire_at
                for t in (await session.scalars(select(Timer).where(Timer.case_id == rec)))
            }
        assert planned == {
            "warning:3": local(date(2026, 12, 2), 8),
            "warning:1": local(date(2026, 12, 4), 8),
            "breach": local(date(2026, 12, 8), 0),
        }
        sweeper = TimerSweeper(kernel_of(app).database, board.clocks, owner="a")
        board.clock.set_local(date(2026, 12, 8), 9)
        assert await sweeper.sweep_once() == 3
        assert await stack.count("notification", "outbox", event_type="deadline.warning") == 2
        assert (await board.deadline(rec)).state == "breached"
        breached = await stack.scalar(
            "notification", "SELECT payload FROM outbox WHERE event_type = 'deadline.breached'"
        )
        assert b'"escalated_to":["06427","20"]' in breached
        assert b'"kind":"answer_recommendation"' in breached
        registry = CollectorRegistry()
        await refresh_gauges(kernel_of(app).database, NotifyMetrics(registry), board.clock())
        labels = {"province": "20", "kind": "recommendation", "step": "answer_recommendation",
                  "urgency": "breached"}  # fmt: skip
        assert registry.get_sample_value("tiepdan_deadlines_open", labels) == 1
