"""Suspension (tạm đình chỉ) follows the law that governs it: a denunciation's resolution period
stops since 2019 (Luật Tố cáo 2018 Điều 34: the suspended time is not counted); a complaint's
only when received from 2026-07-01 (Luật 136/2025/QH15, check). Only the resolution period
stops, from the suspension decision's date to the date of the decision to continue, as entered,
whenever the commands arrive. A calendar period: the decision's day is the last day used, the
day of the decision to continue is not counted (Bộ luật Dân sự Điều 147).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared.events import (
    CASE_ACCEPTED,
    CASE_RESUMED,
    CASE_ROUTED,
    CASE_SUSPENDED,
    CaseAccepted,
    CaseResumed,
    CaseRouted,
    CaseSuspended,
)
from tests.notification.support import Driver, FakeClock, local, step

ONLY = {"services": ("notification",)}


async def accepted(stack, kind: str, received: date, on: date) -> Driver:
    drive = Driver(stack.apps["notification"], FakeClock(datetime(2026, 3, 1, tzinfo=UTC)))
    routed = CaseRouted(
        **step(kind), received_at=local(received), unit_name="U", rule="r", reason="r"
    )
    await drive.send(CASE_ROUTED, routed, on=received)
    await drive.send(CASE_ACCEPTED, CaseAccepted(**step(kind), accepted_on=on), on=on)
    return drive


async def suspend_and_resume(
    drive: Driver, kind: str, decided: date, arrives: date, resumed: date, back: date
) -> None:
    suspended = CaseSuspended(
        **step(kind), reason="chờ kết quả giám định", decision_ref="3/QĐ-TĐC", suspended_on=decided
    )
    await drive.send(CASE_SUSPENDED, suspended, on=arrives)
    await drive.send(
        CASE_RESUMED,
        CaseResumed(**step(kind), decision_ref="4/QĐ", resumed_on=resumed),
        on=back,
    )


@pytest.mark.parametrize(
    ("kind", "received", "accepted_on", "due", "decided", "resumed", "due_after"),
    [
        # Tố cáo Điều 30, 34, before 2026-07-01. Accepted Wed 4 Mar 2026: + 30 = Fri 3 Apr.
        # Suspended by a decision of Mon 9 Mar (5 days used), continued by one of Mon 23 Mar:
        # 25 days left, 23 Mar + 25 = Fri 17 Apr.
        pytest.param(
            "denunciation",
            date(2026, 3, 2),
            date(2026, 3, 4),
            date(2026, 4, 3),
            date(2026, 3, 9),
            date(2026, 3, 23),
            date(2026, 4, 17),
            id="denunciation-2026-03",
        ),
        # The same law after 2026-07-01. Accepted Fri 3 Jul: + 30 = Sun 2 Aug -> Mon 3 Aug.
        # Suspended Fri 10 Jul (7 used), continued Mon 20 Jul: 23 left -> Wed 12 Aug.
        pytest.param(
            "denunciation",
            date(2026, 7, 1),
            date(2026, 7, 3),
            date(2026, 8, 3),
            date(2026, 7, 10),
            date(2026, 7, 20),
            date(2026, 8, 12),
            id="denunciation-2026-07",
        ),
        # A complaint received from 2026-07-01. Accepted Fri 17 Jul: + 30 = Sun 16 Aug -> Mon 17
        # Aug. Suspended Fri 24 Jul (7 used), continued Mon 3 Aug: 23 left -> Wed 26 Aug.
        pytest.param(
            "complaint",
            date(2026, 7, 15),
            date(2026, 7, 17),
            date(2026, 8, 17),
            date(2026, 7, 24),
            date(2026, 8, 3),
            date(2026, 8, 26),
            id="complaint-2026-07",
        ),
        # A complaint received before 2026-07-01: no rule stops its clock. Accepted Wed 17 Jun:
        # + 30 = Fri 17 Jul, suspended or not.
        pytest.param(
            "complaint",
            date(2026, 6, 15),
            date(2026, 6, 17),
            date(2026, 7, 17),
            date(2026, 6, 22),
            date(2026, 7, 1),
            date(2026, 7, 17),
            id="complaint-2026-06-not-stopped",
        ),
    ],
)
async def test_suspension_stops_the_resolution_period_by_the_decisions_dates(
    stack_factory,
    kind: str,
    received: date,
    accepted_on: date,
    due: date,
    decided: date,
    resumed: date,
    due_after: date,
) -> None:
    async with stack_factory(**ONLY) as stack:
        drive = await accepted(stack, kind, received, accepted_on)
        assert (await drive.deadlines())["resolve@0"].due_on == due
        # The commands arrive two days after each decision: the decisions' dates count.
        await suspend_and_resume(
            drive,
            kind,
            decided,
            date.fromordinal(decided.toordinal() + 2),
            resumed,
            date.fromordinal(resumed.toordinal() + 2),
        )
        d = await drive.deadlines()
        assert (d["resolve@0"].state, d["resolve@0"].due_on) == ("running", due_after)


async def test_only_the_resolution_period_stops(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        # Tố cáo Điều 29 khoản 3: the acceptance is notified in 5 working days from Wed 4 Mar
        # 2026 (5, 6, 9, 10, 11 -> Wed 11 Mar); a suspension on Mon 9 Mar does not stop it.
        drive = await accepted(stack, "denunciation", date(2026, 3, 2), date(2026, 3, 4))
        suspended = CaseSuspended(
            **step("denunciation"), reason="r", decision_ref="3/QĐ", suspended_on=date(2026, 3, 9)
        )
        await drive.send(CASE_SUSPENDED, suspended, on=date(2026, 3, 9))
        d = await drive.deadlines()
        assert d["resolve@0"].state == "paused"
        assert (d["notify_parties@0"].state, d["notify_parties@0"].due_on) == (
            "running",
            date(2026, 3, 11),
        )
