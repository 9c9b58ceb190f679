"""Re-forwarding a denunciation (Tố cáo Điều 24 khoản 2: forward within 5 working days of
receiving it): each forwarding unit's clock runs from the day *it* received the case, under
the newest rule in force on the case's receipt.

   January 2027
 Mo Tu We Th Fr Sa Su
              1  2  3      (Fri 1 Jan: New Year)
  4  5  6  7  8  9 10
 11 12 13 14 15 16 17
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from shared.auth import Role
from shared.events import CASE_ROUTED, CASE_TRANSFERRED, CaseRouted, CaseTransferred
from tests.notification.support import Driver, FakeClock, local, step

ONLY = {"services": ("notification",)}


def moved(to: str, came_from: str) -> CaseTransferred:
    return CaseTransferred(
        **step("denunciation", unit=to), from_unit_code=came_from, unit_name=to, reason="thẩm quyền"
    )


async def received(stack: Any) -> Driver:
    drive = Driver(stack.apps["notification"], FakeClock(datetime(2027, 1, 4, tzinfo=UTC)))
    routed = CaseRouted(
        **step("denunciation"), received_at=local(date(2027, 1, 4)), unit_name="A", rule="r",
        reason="r",
    )  # fmt: skip
    await drive.send(CASE_ROUTED, routed, on=date(2027, 1, 4))
    return drive


async def test_a_re_forward_counts_from_the_day_the_forwarding_unit_received_it(
    stack_factory,
) -> None:
    async with stack_factory(**ONLY) as stack:
        drive = await received(stack)
        # Unit A received it Mon 4 Jan and forwards it Wed 6 Jan: due 5, 6, 7, 8, 11 -> Mon 11.
        await drive.send(CASE_TRANSFERRED, moved("06430", "06427"), on=date(2027, 1, 6))
        # Unit B received it Wed 6 Jan; it re-forwards on Tue 12 Jan: its 5 working days run
        # 7, 8, 11, 12, 13 -> Wed 13 Jan, so it is on time (from 4 Jan it would be late).
        await drive.send(CASE_TRANSFERRED, moved("06433", "06430"), on=date(2027, 1, 12))
        d = await drive.deadlines()
        assert (d["forward@0"].due_on, d["forward@0"].breached_at) == (date(2027, 1, 11), None)
        b = d["forward@1"]
        assert (b.starts_on, b.due_on, b.state, b.breached_at) == (
            date(2027, 1, 6),
            date(2027, 1, 13),
            "met",
            None,
        )


async def test_the_newest_forwarding_rule_in_force_is_used(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        # An administrator adds a newer rule in force from 2026-07-01 (3 working days).
        admin = stack.auth(role=Role.admin, unit=None)
        policies = (await stack["notification"].get("/v1/policies")).json()["items"]
        old = next(p for p in policies if p["id"] == "denunciation.forward.2018")
        newer = {k: v for k, v in old.items() if k != "overridden"}
        newer |= {"id": "denunciation.forward.2026", "duration": 3, "effective_from": "2026-07-01"}
        put = await stack["notification"].put(
            "/v1/policies/denunciation.forward.2026",
            headers=admin,
            json={"policy": newer, "reason": "Nghị định 156/2026 (thử)"},
        )
        assert put.status_code == 200, put.text
        drive = await received(stack)
        # Received Mon 4 Jan 2027, forwarded Fri 8 Jan: 3 working days 5, 6, 7 -> Thu 7: late.
        await drive.send(CASE_TRANSFERRED, moved("06430", "06427"), on=date(2027, 1, 8))
        forward = (await drive.deadlines())["forward@0"]
        assert forward.policy_id == "denunciation.forward.2026"
        assert forward.due_on == date(2027, 1, 7)
        assert forward.state == "met" and forward.breached_at is not None
