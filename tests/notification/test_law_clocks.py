"""Clocks the law names, driven by case events (Luật Khiếu nại 2011 as amended).

   January 2027            February 2027           March 2027
 Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su
              1  2  3     1  2  3  4  5  6  7     1  2  3  4  5  6  7
  4  5  6  7  8  9 10     8  9 10 11 12 13 14     ...
 ...                     15 16 17 18 19 20 21    15 16 17 18 19 20 21
                         22 23 24 25 26 27 28    22 23 24 25 26 27 28
Tết 2027 (holidays.VN): off Thu 4 - Wed 10 Feb.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.notification.timers.sweeper import TimerSweeper
from shared.events import (
    CASE_ACCEPTED,
    CASE_EXTENDED,
    CASE_RESOLVED,
    CASE_ROUTED,
    CASE_TRANSFERRED,
    CaseAccepted,
    CaseExtended,
    CaseResolved,
    CaseRouted,
    CaseTransferred,
)
from tests.notification.support import Driver, FakeClock, local, step

ONLY = {"services": ("notification",)}


async def routed(stack, received: date, *, second_time: bool) -> tuple[Driver, FakeClock]:
    clock = FakeClock(datetime(2026, 6, 1, tzinfo=UTC))
    drive = Driver(stack.apps["notification"], clock)
    event = CaseRouted(
        **step("complaint"),
        received_at=local(received),
        unit_name="UBND",
        rule="r",
        reason="r",
        second_time=second_time,
    )
    await drive.send(CASE_ROUTED, event, on=received)
    return drive, clock


async def sweep(stack, drive: Driver, clock: FakeClock, after: date) -> None:
    clock.set_local(after + timedelta(days=1), 9)  # a breach is due at the end of the day
    sweeper = TimerSweeper(stack.kernel("notification").database, drive.clocks, owner="s")
    while await sweeper.sweep_once():
        pass


async def test_a_second_time_decision_is_sent_within_seven_days_across_tet(stack_factory) -> None:
    # Khiếu nại Điều 41: the second-time decision is sent within 7 days: dated Mon 1 Feb 2027,
    # + 7 = Mon 8 Feb, in Tết -> Thu 11 Feb. It is published within 15 days (Nghị định 124/2020
    # Điều 29): 1 Feb + 15 = Tue 16 Feb.
    async with stack_factory(**ONLY) as stack:
        drive, _ = await routed(stack, date(2026, 12, 1), second_time=True)
        accepted = CaseAccepted(**step("complaint"), accepted_on=date(2026, 12, 3))
        await drive.send(CASE_ACCEPTED, accepted, on=date(2026, 12, 3))
        resolved = CaseResolved(**step("complaint"), summary="s", resolved_on=date(2027, 2, 1))
        await drive.send(CASE_RESOLVED, resolved, on=date(2027, 2, 1))
        d = await drive.deadlines()
        sent, published = d["notify_parties@0"], d["publish@0"]
        assert (sent.policy_id, sent.day_unit, sent.due_on) == (
            "complaint.notify_parties.second.2011",
            "calendar_days",
            date(2027, 2, 11),
        )
        assert (published.policy_id, published.due_on) == (
            "complaint.publish.2020",
            date(2027, 2, 16),
        )
        assert "appeal_window@0" not in d  # the second decision is final: no appeal clock


async def test_a_first_time_decision_keeps_three_working_days(stack_factory) -> None:
    # Khiếu nại Điều 32: dated Wed 3 Feb 2027 -> 11, 12 | Mon 15 Feb.
    async with stack_factory(**ONLY) as stack:
        drive, _ = await routed(stack, date(2026, 12, 1), second_time=False)
        accepted = CaseAccepted(**step("complaint"), accepted_on=date(2026, 12, 3))
        await drive.send(CASE_ACCEPTED, accepted, on=date(2026, 12, 3))
        resolved = CaseResolved(**step("complaint"), summary="s", resolved_on=date(2027, 2, 3))
        await drive.send(CASE_RESOLVED, resolved, on=date(2027, 2, 3))
        d = await drive.deadlines()
        sent = d["notify_parties@0"]
        assert (sent.policy_id, sent.day_unit, sent.due_on) == (
            "complaint.notify_parties.2011",
            "working_days",
            date(2027, 2, 15),
        )
        assert "publish@0" not in d


async def test_a_complaint_not_accepted_in_time_can_be_appealed(stack_factory) -> None:
    # Khiếu nại Điều 7, 33: received Tue 2 Feb 2027, 7 working days to accept (Điều 27 as
    # amended): 3 | 11, 12 | 15..18 -> Thu 18 Feb. Neither accepted nor refused: the appeal window
    # runs from 18 Feb (not counted): + 30 = Sat 20 Mar -> Mon 22 Mar.
    async with stack_factory(**ONLY) as stack:
        drive, clock = await routed(stack, date(2027, 2, 2), second_time=False)
        assert (await drive.deadlines())["accept@0"].due_on == date(2027, 2, 18)
        await sweep(stack, drive, clock, date(2027, 2, 18))
        d = await drive.deadlines()
        assert d["accept@0"].state == "breached"
        window = d["appeal_window@0"]
        assert (window.state, window.starts_on, window.due_on) == (
            "running",
            date(2027, 2, 18),
            date(2027, 3, 22),
        )
        # Accepted late on Fri 19 Feb; the resolve deadline (19 Feb + 30 = Sun 21 Mar -> Mon
        # 22 Mar) passes too: the window from it (22 Mar + 30 = Wed 21 Apr) ends later, and the
        # citizen gets the more favourable one.
        accepted = CaseAccepted(**step("complaint"), accepted_on=date(2027, 2, 19))
        await drive.send(CASE_ACCEPTED, accepted, on=date(2027, 2, 19))
        assert (await drive.deadlines())["resolve@0"].due_on == date(2027, 3, 22)
        await sweep(stack, drive, clock, date(2027, 3, 22))
        window = (await drive.deadlines())["appeal_window@0"]
        assert (window.state, window.starts_on, window.due_on) == (
            "running",
            date(2027, 3, 22),
            date(2027, 4, 21),
        )


async def test_a_transferred_second_time_complaint_keeps_the_second_time_rules(
    stack_factory,
) -> None:
    # Received Mon 15 Jun 2026 (the old law): a second-time complaint is accepted within 10
    # days (Khiếu nại Điều 36), not 10 working days (Điều 27). Transferred on Wed 17 Jun: the
    # receiving unit's clock runs from then: 17 Jun + 10 = Sat 27 Jun -> Mon 29 Jun (under
    # Điều 27 it would be Wed 1 Jul).
    async with stack_factory(**ONLY) as stack:
        drive, _ = await routed(stack, date(2026, 6, 15), second_time=True)
        moved = CaseTransferred(
            **{**step("complaint"), "unit_code": "06430"},
            from_unit_code="06427",
            unit_name="UBND khác",
            reason="thẩm quyền",
        )
        await drive.send(CASE_TRANSFERRED, moved, on=date(2026, 6, 17))
        d = await drive.deadlines()
        assert d["accept@0"].state == "cancelled"
        accept = d["accept@1"]
        assert (accept.policy_id, accept.unit_code, accept.due_on) == (
            "complaint.accept.second.2011",
            "06430",
            date(2026, 6, 29),
        )


async def test_a_denunciation_checked_in_several_places_gets_ten_working_days(
    stack_factory,
) -> None:
    # Tố cáo Điều 24: received Wed 3 Feb 2027, 7 working days to classify: 11, 12 | 15..19 ->
    # Fri 19 Feb (Tết 4-10 Feb). Marked on Fri 12 Feb as to be checked in several places: 10
    # working days from the same receipt -> 22, 23, 24 -> Wed 24 Feb.
    async with stack_factory(**ONLY) as stack:
        drive = Driver(stack.apps["notification"], FakeClock(datetime(2027, 2, 3, tzinfo=UTC)))
        routed = CaseRouted(
            **step("denunciation"), received_at=local(date(2027, 2, 3)), unit_name="U", rule="r",
            reason="r",
        )  # fmt: skip
        await drive.send(CASE_ROUTED, routed, on=date(2027, 2, 3))
        assert (await drive.deadlines())["classify@0"].due_on == date(2027, 2, 19)
        marked = CaseExtended(**step("denunciation"), complexity="several_places", reason="hai xã")
        await drive.send(CASE_EXTENDED, marked, on=date(2027, 2, 12))
        classify = (await drive.deadlines())["classify@0"]
        assert (classify.duration, classify.complexity, classify.due_on) == (
            10,
            "several_places",
            date(2027, 2, 24),
        )
