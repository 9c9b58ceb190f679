"""Durable timers: reminders and breaches fire once, with two replicas or a dead one."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from services.notification.timers.models import Timer
from services.notification.timers.sweeper import MAX_ATTEMPTS, TimerSweeper
from shared.events import CASE_ROUTED, CaseRouted
from tests.notification.support import Driver, FakeClock, local, step
from tests.support.stack import kernel_of

ONLY = {"services": ("notification",)}


async def routed_petition(stack, clock: FakeClock, on: date = date(2026, 11, 20)) -> Driver:
    drive = Driver(stack.apps["notification"], clock)
    # Received Fri 20 Nov 2026: answer within 10 working days -> Mon 7 Dec 2026; reminders
    # 3 working days before (Wed 2 Dec 08:00) and 1 (Fri 4 Dec 08:00), breach after 7 Dec.
    await drive.send(
        CASE_ROUTED,
        CaseRouted(
            **step("petition"),
            received_at=local(on),
            unit_name="U",
            rule="r",
            reason="r",
        ),
        on=on,
    )
    return drive


async def timers(stack, drive: Driver) -> dict[str, Timer]:
    async with stack.database("notification").sessions() as session:
        rows = (
            await session.execute(select(Timer).where(Timer.case_id == drive.case_id))
        ).scalars()
        return {t.kind: t for t in rows}


async def test_reminders_and_breach_are_planned_in_working_days(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        drive = await routed_petition(stack, FakeClock(datetime(2026, 11, 20, tzinfo=UTC)))
        t = await timers(stack, drive)
        assert t["warning:3"].fire_at == local(date(2026, 12, 2), 8)
        assert t["warning:1"].fire_at == local(date(2026, 12, 4), 8)
        assert t["breach"].fire_at == local(date(2026, 12, 8), 0)


async def test_two_replicas_fire_each_timer_once(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        clock = FakeClock(datetime(2026, 11, 20, tzinfo=UTC))
        drive = await routed_petition(stack, clock)
        app = stack.apps["notification"]
        a = TimerSweeper(kernel_of(app).database, drive.clocks, owner="a")
        b = TimerSweeper(kernel_of(app).database, drive.clocks, owner="b")
        clock.set_local(date(2026, 12, 8), 9)  # past both reminders and the breach
        for _ in range(3):
            await asyncio.gather(a.sweep_once(), b.sweep_once())
        assert await stack.count("notification", "outbox", event_type="deadline.warning") == 2
        assert await stack.count("notification", "outbox", event_type="deadline.breached") == 1
        assert {t.state for t in (await timers(stack, drive)).values()} == {"fired"}
        assert (await drive.deadlines())["answer@0"].state == "breached"
        breached = await stack.scalar(
            "notification",
            "SELECT payload FROM outbox WHERE event_type = 'deadline.breached'",
        )
        assert b'"escalated_to":["06427","20"]' in breached


async def test_a_dead_replicas_claim_is_taken_over_when_its_lease_expires(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        clock = FakeClock(datetime(2026, 11, 20, tzinfo=UTC))
        drive = await routed_petition(stack, clock)
        app = stack.apps["notification"]
        dead = TimerSweeper(kernel_of(app).database, drive.clocks, owner="dead", lease_seconds=60)
        live = TimerSweeper(kernel_of(app).database, drive.clocks, owner="live", lease_seconds=60)
        clock.set_local(date(2026, 12, 8), 9)
        claimed = await dead.claim()  # ... and the replica dies before firing
        assert len(claimed) == 3
        assert await live.sweep_once() == 0  # the lease still holds
        clock.at += timedelta(seconds=61)
        assert await live.sweep_once() == 3
        # The dead replica comes back: its claim is gone, it fires nothing.
        assert [await dead.fire(t) for t in claimed] == [False, False, False]
        assert await stack.count("notification", "outbox", event_type="deadline.breached") == 1
        assert await stack.count("notification", "outbox", event_type="deadline.warning") == 2


async def test_a_poison_timer_does_not_stop_its_batch_mates(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        clock = FakeClock(datetime(2026, 11, 20, tzinfo=UTC))
        drive = await routed_petition(stack, clock)
        app = stack.apps["notification"]
        good = await timers(stack, drive)
        # Another case, received Tue 1 Dec (nothing of it due on 8 Dec), with a timer this
        # service never plans (bad data): it fails however often it is fired.
        other = await routed_petition(stack, clock, on=date(2026, 12, 1))
        answer = (await other.deadlines())["answer@0"]
        async with kernel_of(app).database.transaction() as session:
            session.add(
                Timer(
                    id=uuid.uuid4(),
                    deadline_id=answer.id,
                    case_id=other.case_id,
                    kind="warning:soon",
                    due_at=answer.due_at,
                    fire_at=local(date(2026, 12, 1), 8),  # first in the batch's firing order
                    state="pending",
                    attempts=0,
                )
            )
        sweeper = TimerSweeper(kernel_of(app).database, drive.clocks, owner="a", lease_seconds=60)
        clock.set_local(date(2026, 12, 8), 9)
        assert await sweeper.sweep_once() == 3  # one claimed batch of four
        t = await timers(stack, drive)
        assert {k: t[k].state for k in good} == dict.fromkeys(good, "fired")
        poison = (await timers(stack, other))["warning:soon"]
        assert (poison.state, poison.attempts) == ("pending", 1)
        assert "unknown timer kind" in (poison.last_error or "")
        assert await stack.count("notification", "outbox", event_type="deadline.warning") == 2
        assert await stack.count("notification", "outbox", event_type="deadline.breached") == 1
        # Retried after each lease, then parked: it does not come back for ever.
        for _ in range(MAX_ATTEMPTS - 1):
            clock.at += timedelta(seconds=61)
            assert await sweeper.sweep_once() == 0
        assert (await timers(stack, other))["warning:soon"].state == "failed"
        clock.at += timedelta(seconds=61)
        assert await sweeper.claim() == []
