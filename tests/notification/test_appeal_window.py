"""The appeal window when no first-time decision came in time (Luật Khiếu nại Điều 33).

The citizen may appeal within 30 days (45 in remote areas) from the day they receive the
first-time decision, or from the day the first-time resolve deadline passed without one.
Cases received on Tue 1 Dec 2026 (the 2026 rules: resolve within 30 calendar days from
acceptance, Điều 28); the day the resolve deadline passed is its last day, not counted
(Bộ luật Dân sự Điều 147-148).

   December 2026           January 2027            February 2027           March 2027
 Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su
     1  2  3  4  5  6                 1  2  3     1  2  3  4  5  6  7     1  2  3  4  5  6  7
  7  8  9 10 11 12 13     4  5  6  7  8  9 10     8  9 10 11 12 13 14     8  9 10 ...
 14 15 16 17 18 19 20    11 12 13 14 15 16 17    15 16 17 18 19 20 21
 21 22 23 24 25 26 27    18 19 20 21 22 23 24    22 23 24 25 26 27 28
 28 29 30 31             25 26 27 28 29 30 31
New Year: Fri 1 Jan 2027. Tết 2027 (holidays.VN): off Thu 4 - Wed 10 Feb.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from services.notification.timers.sweeper import TimerSweeper
from shared.events import (
    CASE_ACCEPTED,
    CASE_APPEALED,
    CASE_DECISION_DELIVERED,
    CASE_RESOLVED,
    CASE_ROUTED,
    CaseAccepted,
    CaseAppealed,
    CaseDecisionDelivered,
    CaseResolved,
    CaseRouted,
)
from tests.notification.support import Driver, FakeClock, local, step

ONLY = {"services": ("notification",)}
RECEIVED = date(2026, 12, 1)


async def breached_complaint(stack, accepted: date, remote: bool) -> tuple[Driver, FakeClock]:
    """A first-time complaint accepted on `accepted`, never decided; swept after its deadline."""
    clock = FakeClock(datetime(2026, 12, 1, tzinfo=UTC))
    drive = Driver(stack.apps["notification"], clock)
    routed = CaseRouted(
        **step("complaint"),
        received_at=local(RECEIVED),
        unit_name="UBND",
        rule="r",
        reason="r",
        remote_area=remote,
    )
    await drive.send(CASE_ROUTED, routed, on=RECEIVED)
    await drive.send(
        CASE_ACCEPTED, CaseAccepted(**step("complaint"), accepted_on=accepted), on=accepted
    )
    resolve = (await drive.deadlines())["resolve@0"]
    clock.set_local(resolve.due_on + timedelta(days=1), 9)  # the breach is due at midnight
    sweeper = TimerSweeper(stack.kernel("notification").database, drive.clocks, owner="s")
    while await sweeper.sweep_once():
        pass
    return drive, clock


@pytest.mark.parametrize(
    ("accepted", "remote", "resolve_due", "appeal_due"),
    [
        # 4 Dec + 30 = Sun 3 Jan -> Mon 4 Jan; the window: 4 Jan + 30 = Wed 3 Feb.
        pytest.param(date(2026, 12, 4), False, date(2027, 1, 4), date(2027, 2, 3), id="plain"),
        # 16 Dec + 30 = Fri 15 Jan; 15 Jan + 30 = Sun 14 Feb -> Mon 15 Feb.
        pytest.param(
            date(2026, 12, 16), False, date(2027, 1, 15), date(2027, 2, 15), id="ends-on-sunday"
        ),
        # 7 Dec + 30 = Wed 6 Jan; 6 Jan + 30 = Fri 5 Feb, in Tết -> Thu 11 Feb.
        pytest.param(date(2026, 12, 7), False, date(2027, 1, 6), date(2027, 2, 11), id="tet"),
        # Remote: 7 Dec + 45 = Thu 21 Jan; 21 Jan + 45 = Sun 7 Mar -> Mon 8 Mar.
        pytest.param(date(2026, 12, 7), True, date(2027, 1, 21), date(2027, 3, 8), id="remote"),
    ],
)
async def test_the_window_runs_from_the_day_the_resolve_deadline_passed(
    stack_factory, accepted: date, remote: bool, resolve_due: date, appeal_due: date
) -> None:
    async with stack_factory(**ONLY) as stack:
        drive, _clock = await breached_complaint(stack, accepted, remote)
        d = await drive.deadlines()
        assert (d["resolve@0"].state, d["resolve@0"].due_on) == ("breached", resolve_due)
        window = d["appeal_window@0"]
        assert (window.state, window.starts_on, window.due_on) == (
            "running",
            resolve_due,
            appeal_due,
        )
        assert window.policy_id == "complaint.appeal_window.2026"
        assert await stack.count("notification", "outbox", event_type="deadline.breached") == 1


async def test_a_late_decision_holds_the_window_open_until_it_is_received(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        drive, _clock = await breached_complaint(stack, date(2026, 12, 7), False)
        assert (await drive.deadlines())["appeal_window@0"].due_on == date(2027, 2, 11)
        # The decision comes on Wed 20 Jan: the window now runs from the day the complainant
        # receives it (Điều 33); until then it is open, with no end.
        resolved = CaseResolved(**step("complaint"), summary="s", resolved_on=date(2027, 1, 20))
        await drive.send(CASE_RESOLVED, resolved, on=date(2027, 1, 20))
        d = await drive.deadlines()
        assert d["appeal_window@0"].state == "paused"
        assert d["resolve@0"].state == "breached"  # late stays late
        # Received on Fri 22 Jan: 22 Jan + 30 = Sun 21 Feb -> Mon 22 Feb.
        delivered = CaseDecisionDelivered(
            **step("complaint", status="resolved"), received_on=date(2027, 1, 22), how="post"
        )
        await drive.send(CASE_DECISION_DELIVERED, delivered, on=date(2027, 1, 25))
        window = (await drive.deadlines())["appeal_window@0"]
        assert (window.state, window.starts_on, window.due_on) == (
            "running",
            date(2027, 1, 22),
            date(2027, 2, 22),
        )
        body = (
            await stack["notification"].get(
                f"/v1/cases/{drive.case_id}/deadlines", headers=stack.auth(unit="06427")
            )
        ).json()
        history = next(i for i in body["items"] if i["step"] == "appeal_window")["history"]
        assert [h["change"] for h in history] == ["set", "held_open", "replaced"]
        assert history[1]["due_at"] is None
        assert "2027-01-06 to 2027-02-11" in history[2]["reason"]
        # The citizen appeals on Mon 15 Feb: within the window, which is met.
        appeal = CaseAppealed(
            **step("complaint"), reason="r", new_case_id=uuid.uuid4(), new_tracking_code="T2"
        )
        await drive.send(CASE_APPEALED, appeal, on=date(2027, 2, 15))
        window = (await drive.deadlines())["appeal_window@0"]
        assert (window.state, window.breached_at) == ("met", None)


async def test_an_appeal_after_the_deadline_passed_meets_the_window(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        drive, _clock = await breached_complaint(stack, date(2026, 12, 4), False)
        appeal = CaseAppealed(
            **step("complaint"), reason="r", new_case_id=uuid.uuid4(), new_tracking_code="T2"
        )
        await drive.send(CASE_APPEALED, appeal, on=date(2027, 1, 11))
        assert (await drive.deadlines())["appeal_window@0"].state == "met"
