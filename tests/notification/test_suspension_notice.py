"""The suspension decision is sent to the parties within 5 working days of its date (Luật Tố cáo
2018 Điều 34): a clock of its own, started by case.suspended from the decision's date as
entered, met by case.suspension_notice_sent (on time or late by the date it was sent), breached
and escalated when unsent, and never stopped with the resolution period.

   January 2027            February 2027           April 2027              May 2027
 Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su
              1  2  3     1  2  3  4  5  6  7              1  2  3  4                    1  2
  4  5  6  7  8  9 10     8  9 10 11 12 13 14     5  6  7  8  9 10 11     3  4  5  6  7  8  9
 11 12 13 14 15 16 17    15 16 17 18 19 20 21    12 13 14 15 16 17 18    10 11 12 13 14 15 16
 18 19 20 21 22 23 24    22 23 24 25 26 27 28    19 20 21 22 23 24 25
 25 26 27 28 29 30 31                            26 27 28 29 30
Tết 2027 (holidays.VN): off Thu 4 - Wed 10 Feb. 30 April is a Friday, 1 May a Saturday: its
compensatory day off is Mon 3 May (Bộ luật Lao động Điều 111, 112).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from services.catalog import SERVICES
from services.notification.calendar.working_days import WorkingDayCalendar
from services.notification.deadlines.models import DeadlineChange
from services.notification.policies.rules import PolicyBook
from services.notification.timers.models import Timer
from services.notification.timers.sweeper import TimerSweeper
from shared.events import (
    CASE_ACCEPTED,
    CASE_RESUMED,
    CASE_ROUTED,
    CASE_SUSPENDED,
    CASE_SUSPENSION_NOTICE_SENT,
    CaseAccepted,
    CaseResumed,
    CaseRouted,
    CaseSuspended,
    CaseSuspensionNoticeSent,
)
from tests.notification.support import Driver, FakeClock, local, step
from tests.support.stack import kernel_of

ONLY = {"services": ("notification",)}
BOOK = PolicyBook.load()


@pytest.mark.parametrize(
    ("decided", "due"),
    [
        # Fri 29 Jan 2027, before Tết: Mon 1, Tue 2, Wed 3 Feb, then Tết; Thu 11, Fri 12 Feb.
        pytest.param(date(2027, 1, 29), date(2027, 2, 12), id="tet"),
        # Fri 23 Apr 2027: Mon 26 - Thu 29 Apr (4); Fri 30 Apr, Sat 1, Sun 2, Mon 3 May (the
        # compensatory day for 1 May) are off; Tue 4 May is the fifth.
        pytest.param(date(2027, 4, 23), date(2027, 5, 4), id="30-april-1-may"),
        # Thu 29 Apr 2027, the eve of the holidays: Tue 4 - Fri 7 May (4), Mon 10 May.
        pytest.param(date(2027, 4, 29), date(2027, 5, 10), id="eve-of-30-april"),
        # A plain week: Mon 8 Mar 2027 -> Mon 15 Mar (9, 10, 11, 12, 15).
        pytest.param(date(2027, 3, 8), date(2027, 3, 15), id="plain"),
    ],
)
def test_five_working_days_from_the_decision_s_date(decided: date, due: date) -> None:
    policy = BOOK.for_step("denunciation", "suspension_notice", date(2026, 12, 1))
    assert policy is not None and policy.id == "denunciation.suspension_notice.2018"
    assert (policy.duration, policy.unit.value, policy.timer) == (5, "working_days", True)
    assert policy.due_on(decided, WorkingDayCalendar()) == due


def test_only_the_law_that_gives_the_period_times_it() -> None:
    # Denunciations since 2019, before and after 2026-07-01 (the same law: Tố cáo Điều 34).
    for received in (date(2019, 1, 1), date(2026, 6, 30), date(2026, 7, 1)):
        timed = BOOK.in_force("denunciation", "suspended", received)
        assert [p.id for p in timed] == ["denunciation.suspension_notice.2018"], received
    # Complaints from 2026-07-01: their resolution period stops (check), but domain.md gives
    # no period to send the suspension decision, so no clock runs; none before either.
    for received in (date(2026, 6, 30), date(2026, 7, 1)):
        assert BOOK.for_step("complaint", "suspension_notice", received) is None
        assert BOOK.in_force("complaint", "suspended", received) == []
    assert BOOK.for_step("denunciation", "suspension_notice", date(2018, 12, 31)) is None


async def notice_breaches(stack) -> list[dict[str, Any]]:
    """The deadline.breached events notification announced for a suspension_notice clock."""
    outbox = SERVICES["notification"].definition.metadata.tables["outbox"]
    query = select(outbox.c.payload).where(outbox.c.event_type == "deadline.breached")
    async with stack.database("notification").sessions() as session:
        payloads = [json.loads(p) for p in await session.scalars(query)]
    return [p for p in payloads if p["data"]["kind"] == "suspension_notice"]


async def suspended(stack, decided: date, arrives: date, kind: str = "denunciation") -> Driver:
    """A case received Mon 4 Jan 2027, accepted Wed 6 Jan, suspended by a decision of
    `decided` whose command arrives on `arrives`."""
    drive = Driver(stack.apps["notification"], FakeClock(datetime(2027, 1, 4, tzinfo=UTC)))
    routed = CaseRouted(
        **step(kind), received_at=local(date(2027, 1, 4)), unit_name="U", rule="r", reason="r"
    )
    await drive.send(CASE_ROUTED, routed, on=date(2027, 1, 4))
    accepted = CaseAccepted(**step(kind), accepted_on=date(2027, 1, 6))
    await drive.send(CASE_ACCEPTED, accepted, on=date(2027, 1, 6))
    await drive.send(CASE_SUSPENDED, suspension(kind, decided), on=arrives)
    return drive


def suspension(kind: str, decided: date) -> CaseSuspended:
    return CaseSuspended(
        **step(kind), reason="chờ kết luận giám định", decision_ref="3/QĐ-TĐC", suspended_on=decided
    )


def sent(on: date, decided: date) -> CaseSuspensionNoticeSent:
    return CaseSuspensionNoticeSent(
        **step("denunciation", status="accepted"), sent_on=on, how="post",
        evidence_ref="Phiếu báo phát 77", suspended_on=decided, decision_ref="3/QĐ-TĐC",
    )  # fmt: skip


async def test_the_clock_starts_on_suspension_runs_on_and_is_met_by_the_sending(
    stack_factory,
) -> None:
    async with stack_factory(**ONLY) as stack:
        # Decided Fri 29 Jan, the command arrives Mon 1 Feb: the decision's date counts.
        drive = await suspended(stack, date(2027, 1, 29), date(2027, 2, 1))
        d = await drive.deadlines()
        notice = d["suspension_notice@0"]
        assert (notice.state, notice.starts_on, notice.due_on) == (
            "running", date(2027, 1, 29), date(2027, 2, 12),
        )  # fmt: skip
        assert notice.case_kind == "denunciation" and "Điều 34" in notice.basis
        assert d["resolve@0"].state == "paused"
        # A replayed suspension starts no second clock.
        await drive.send(
            CASE_SUSPENDED, suspension("denunciation", date(2027, 1, 29)), on=date(2027, 2, 2)
        )
        # The decision to continue (Wed 3 Feb) restarts the resolution period only.
        resumed = CaseResumed(
            **step("denunciation"), decision_ref="4/QĐ", resumed_on=date(2027, 2, 3)
        )
        await drive.send(CASE_RESUMED, resumed, on=date(2027, 2, 3))
        d = await drive.deadlines()
        assert d["resolve@0"].state == "running"
        notice = d["suspension_notice@0"]
        assert (notice.state, notice.due_on) == ("running", date(2027, 2, 12))
        # Sent Thu 11 Feb: on time.
        await drive.send(
            CASE_SUSPENSION_NOTICE_SENT,
            sent(date(2027, 2, 11), date(2027, 1, 29)),
            on=date(2027, 2, 11),
        )
        notice = (await drive.deadlines())["suspension_notice@0"]
        assert (notice.state, notice.breached_at) == ("met", None)
        # No breach once the due day is over.
        sweeper = TimerSweeper(stack.kernel("notification").database, drive.clocks, owner="a")
        drive.clock.set_local(date(2027, 2, 15), 9)
        await sweeper.sweep_once()
        assert (await drive.deadlines())["suspension_notice@0"].state == "met"
        assert await notice_breaches(stack) == []

        # Suspended again by a decision of Fri 23 Apr: the new decision is owed in its own 5
        # working days (Tue 4 May), the first one's record stays in the history.
        await drive.send(
            CASE_SUSPENDED, suspension("denunciation", date(2027, 4, 23)), on=date(2027, 4, 26)
        )
        notice = (await drive.deadlines())["suspension_notice@0"]
        assert (notice.state, notice.starts_on, notice.due_on, notice.met_at) == (
            "running", date(2027, 4, 23), date(2027, 5, 4), None,
        )  # fmt: skip
        async with stack.kernel("notification").database.sessions() as session:
            changes = list(
                await session.scalars(
                    select(DeadlineChange.change)
                    .where(DeadlineChange.deadline_id == notice.id)
                    .order_by(DeadlineChange.at)
                )
            )
        assert changes == ["set", "met", "set"]


@pytest.mark.parametrize(
    ("sent_on", "recorded", "late"),
    [
        # Never sent by Fri 12 Feb: breached on the next day's sweep, then sent Tue 16 Feb.
        pytest.param(date(2027, 2, 16), date(2027, 2, 16), True, id="late"),
        # Sent Fri 12 Feb, on time, but entered after the breach was announced: the date as
        # entered decides.
        pytest.param(date(2027, 2, 12), date(2027, 2, 16), False, id="recorded-late"),
    ],
)
async def test_unsent_it_is_reminded_breached_and_escalated(
    stack_factory, sent_on: date, recorded: date, late: bool
) -> None:
    async with stack_factory(**ONLY) as stack:
        app = stack.apps["notification"]
        drive = await suspended(stack, date(2027, 1, 29), date(2027, 1, 29))
        notice = (await drive.deadlines())["suspension_notice@0"]
        async with kernel_of(app).database.sessions() as session:
            timers = await session.scalars(select(Timer).where(Timer.deadline_id == notice.id))
            planned = {t.kind: t.fire_at for t in timers}
        # Reminded 3 working days before (Tue 2 Feb: Tết is off) and 1 (Thu 11 Feb), breached
        # as Fri 12 Feb ends.
        assert planned == {
            "warning:3": local(date(2027, 2, 2), 8),
            "warning:1": local(date(2027, 2, 11), 8),
            "breach": local(date(2027, 2, 13), 0),
        }
        sweeper = TimerSweeper(kernel_of(app).database, drive.clocks, owner="a")
        drive.clock.set_local(date(2027, 2, 15), 9)
        await sweeper.sweep_once()
        notice = (await drive.deadlines())["suspension_notice@0"]
        assert notice.state == "breached"
        fired = await stack.count("notification", "timers", deadline_id=notice.id, state="fired")
        assert fired == 3
        [breached] = await notice_breaches(stack)
        assert breached["data"]["escalated_to"] == ["06427", "20"]
        assert breached["data"]["deadline_id"] == str(notice.id)
        await drive.send(CASE_SUSPENSION_NOTICE_SENT, sent(sent_on, date(2027, 1, 29)), on=recorded)
        notice = (await drive.deadlines())["suspension_notice@0"]
        assert notice.state == "met"
        assert (notice.breached_at is not None) is late


async def test_sent_late_before_the_sweep_is_met_late(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        drive = await suspended(stack, date(2027, 4, 23), date(2027, 4, 23))
        assert (await drive.deadlines())["suspension_notice@0"].due_on == date(2027, 5, 4)
        await drive.send(
            CASE_SUSPENSION_NOTICE_SENT,
            sent(date(2027, 5, 5), date(2027, 4, 23)),
            on=date(2027, 5, 5),
        )
        notice = (await drive.deadlines())["suspension_notice@0"]
        assert notice.state == "met" and notice.breached_at is not None


async def test_a_complaint_s_suspension_starts_no_sending_clock(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        drive = await suspended(stack, date(2027, 1, 29), date(2027, 1, 29), kind="complaint")
        d = await drive.deadlines()
        assert d["resolve@0"].state == "paused"  # received from 2026-07-01: it stops (check)
        assert "suspension_notice@0" not in d
