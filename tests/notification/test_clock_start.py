"""A clock started by a case's event: its row, its history, its timers and its deadline.set,
all or nothing, once however often the event comes (both modes)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.notification.deadlines.models import Deadline, DeadlineChange
from services.notification.timers.models import Timer
from services.notification.timers.schedule import planned
from shared.events import CASE_ROUTED, DEADLINE_SET, Envelope
from tests.notification.support import Driver, FakeClock
from tests.notification.test_clocks import routed
from tests.support.stack import Stack, kernel_of

ONLY = {"services": ("notification",)}


async def written(stack: Stack, case_id: uuid.UUID) -> dict[str, Any]:
    """Everything the clocks wrote for the case: deadlines, history, timers, events."""
    outbox = stack.database("notification")
    async with outbox.sessions() as session:
        deadlines = list(
            (await session.scalars(select(Deadline).where(Deadline.case_id == case_id))).all()
        )
        changes = list(
            (
                await session.scalars(
                    select(DeadlineChange).where(DeadlineChange.case_id == case_id)
                )
            ).all()
        )
        timers = list((await session.scalars(select(Timer).where(Timer.case_id == case_id))).all())
        table = kernel_of(stack.apps["notification"]).outbox.table
        rows = (
            await session.execute(
                select(table.c.event_id, table.c.key, table.c.topic, table.c.payload).where(
                    table.c.event_type == DEADLINE_SET, table.c.key == str(case_id)
                )
            )
        ).all()
    return {
        "deadlines": sorted(
            (
                d.id,
                d.step,
                d.round,
                d.unit_code,
                d.starts_on,
                d.due_on,
                d.due_at,
                d.state,
                d.basis,
                d.created_at,
                d.updated_at,
            )
            for d in deadlines
        ),
        "changes": sorted(
            (c.id, c.deadline_id, c.change, c.at, c.state, c.due_at, c.reason, c.event_id)
            for c in changes
        ),
        "timers": sorted(
            (t.id, t.deadline_id, t.kind, t.due_at, t.fire_at, t.state, t.attempts) for t in timers
        ),
        "events": sorted(
            (row.event_id, row.key, row.topic, Envelope.from_bytes(row.payload).model_dump_json())
            for row in rows
        ),
    }


async def test_a_routed_cases_clocks_are_set_once_with_history_timers_and_event(
    stack_factory,
) -> None:
    async with stack_factory(**ONLY) as stack:
        app = stack.apps["notification"]
        clock = FakeClock(datetime(2026, 6, 30, tzinfo=UTC))
        drive = Driver(app, clock)
        # A complaint received Tue 30 Jun 2026: accept within 10 working days.
        event = await drive.send(
            CASE_ROUTED, routed("complaint", date(2026, 6, 30)), on=date(2026, 6, 30)
        )
        now = clock()
        first = await written(stack, drive.case_id)
        assert first["deadlines"], "the routed complaint has clocks"
        settings = drive.clocks.settings
        for d_id, step_, _, unit, starts, due_on, due_at, state, basis, created, updated in first[
            "deadlines"
        ]:
            assert (state, created, updated) == ("running", now, now)
            # Its history: one "set", by the event, as the clock stands.
            assert [c[2:] for c in first["changes"] if c[1] == d_id] == [
                ("set", now, "running", due_at, None, event.id)
            ]
            # Its timers: the reminders still ahead and the breach, pending.
            d = Deadline(due_on=due_on, due_at=due_at, starts_on=starts, state=state)
            days, hour = settings.reminder_working_days, settings.reminder_hour
            plan = planned(d, drive.clocks.calendar, days, hour, now)
            assert sorted(t[2:] for t in first["timers"] if t[1] == d_id) == sorted(
                (kind, due_at, fire_at, "pending", 0) for kind, fire_at in plan
            )
            assert ("breach", due_at + timedelta(microseconds=1)) in plan
            # Its event: deadline.set, keyed by the case, telling the clock as it stands.
            told = [
                Envelope.model_validate_json(e[3])
                for e in first["events"]
                if Envelope.model_validate_json(e[3]).data["deadline_id"] == str(d_id)
            ]
            assert len(told) == 1
            assert (told[0].type, told[0].case_id, told[0].time) == (
                DEADLINE_SET,
                drive.case_id,
                now,
            )
            data = told[0].data
            assert data == {
                "deadline_id": str(d_id),
                "kind": step_,
                "unit_code": unit,
                "starts_on": starts.isoformat(),
                "due_at": data["due_at"],
                "basis": basis,
                "state": "running",
            }
            assert datetime.fromisoformat(data["due_at"]) == due_at
            assert datetime.fromisoformat(data["due_at"]).utcoffset() == timedelta(0)
        assert len(first["changes"]) == len(first["deadlines"])
        assert len(first["events"]) == len(first["deadlines"])

        # The same event again (delivered twice): no second clock, change, timer or event.
        async with kernel_of(app).database.transaction() as session:
            await drive.handlers[CASE_ROUTED](session, event)
        assert await written(stack, drive.case_id) == first
