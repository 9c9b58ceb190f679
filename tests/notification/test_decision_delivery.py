"""The appeal window runs from the day the complainant receives the first-time decision
(Luật Khiếu nại Điều 33), recorded by routing's record_delivery (case.decision_delivered).

   January 2027            February 2027           March 2027
 Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su
              1  2  3     1  2  3  4  5  6  7     1  2  3  4  5  6  7
  4  5  6  7  8  9 10     8  9 10 11 12 13 14     8  9 10 11 12 13 14
 11 12 13 14 15 16 17    15 16 17 18 19 20 21    15 16 17 18 19 20 21
 18 19 20 21 22 23 24    22 23 24 25 26 27 28
 25 26 27 28 29 30 31
Tết 2027 (holidays.VN): off Thu 4 - Wed 10 Feb.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared.events import (
    CASE_ACCEPTED,
    CASE_DECISION_DELIVERED,
    CASE_RESOLVED,
    CASE_ROUTED,
    CaseAccepted,
    CaseDecisionDelivered,
    CaseResolved,
    CaseRouted,
)
from tests.notification.support import Driver, FakeClock, local, step

ONLY = {"services": ("notification",)}
RECEIVED = date(2026, 12, 1)


async def decided(stack, on: date, *, remote: bool = False) -> Driver:
    """A first-time complaint received Tue 1 Dec 2026, accepted Thu 3 Dec, decided on `on`."""
    drive = Driver(stack.apps["notification"], FakeClock(datetime(2026, 12, 1, tzinfo=UTC)))
    routed = CaseRouted(
        **step("complaint"),
        received_at=local(RECEIVED),
        unit_name="UBND",
        rule="r",
        reason="r",
        remote_area=remote,
    )
    await drive.send(CASE_ROUTED, routed, on=RECEIVED)
    accepted = CaseAccepted(**step("complaint"), accepted_on=date(2026, 12, 3))
    await drive.send(CASE_ACCEPTED, accepted, on=date(2026, 12, 3))
    resolved = CaseResolved(**step("complaint"), summary="s", decision_ref="7/QĐ", resolved_on=on)
    await drive.send(CASE_RESOLVED, resolved, on=on)
    return drive


def delivery(received_on: date) -> CaseDecisionDelivered:
    return CaseDecisionDelivered(
        **step("complaint", status="resolved"),
        received_on=received_on,
        how="post",
        evidence_ref="Phiếu báo phát 123",
    )


@pytest.mark.parametrize(
    ("signed", "received", "remote", "due"),
    [
        # Signed Wed 6 Jan, received Fri 8 Jan: 8 Jan + 30 = Sun 7 Feb, in Tết -> Thu 11 Feb.
        # (From the signing day it would have been Fri 5 Feb -> Thu 11 Feb as well; the next
        # case shows the difference.)
        pytest.param(date(2027, 1, 6), date(2027, 1, 8), False, date(2027, 2, 11), id="tet"),
        # Signed Wed 27 Jan, received Fri 29 Jan: 29 Jan + 30 = Sun 28 Feb -> Mon 1 Mar
        # (from the signing day: Fri 26 Feb).
        pytest.param(date(2027, 1, 27), date(2027, 1, 29), False, date(2027, 3, 1), id="plain"),
        # Remote area: 45 days. 29 Jan + 45 = Mon 15 Mar.
        pytest.param(date(2027, 1, 27), date(2027, 1, 29), True, date(2027, 3, 15), id="remote"),
    ],
)
async def test_the_window_runs_from_the_recorded_receipt(
    stack_factory, signed: date, received: date, remote: bool, due: date
) -> None:
    async with stack_factory(**ONLY) as stack:
        drive = await decided(stack, signed, remote=remote)
        # Decided, not yet received: no window runs (intake leaves the appeal open).
        assert "appeal_window@0" not in await drive.deadlines()
        await drive.send(CASE_DECISION_DELIVERED, delivery(received), on=date(2027, 2, 1))
        window = (await drive.deadlines())["appeal_window@0"]
        assert (window.state, window.starts_on, window.due_on) == ("running", received, due)
        assert window.policy_id == "complaint.appeal_window.2026"
        # A replay of the same receipt changes nothing.
        await drive.send(CASE_DECISION_DELIVERED, delivery(received), on=date(2027, 2, 2))
        assert (await drive.deadlines())["appeal_window@0"].due_on == due
