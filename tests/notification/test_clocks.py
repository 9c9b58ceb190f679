"""Clocks driven by events, on the service's real database (SQLite, and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.notification.calendar.working_days import end_of_local_day
from shared.events import (
    CASE_ACCEPTED,
    CASE_DECISION_DELIVERED,
    CASE_EXTENDED,
    CASE_RESOLVED,
    CASE_RESUMED,
    CASE_ROUTED,
    CASE_SUSPENDED,
    CASE_TRANSFERRED,
    CaseAccepted,
    CaseDecisionDelivered,
    CaseExtended,
    CaseResolved,
    CaseResumed,
    CaseRouted,
    CaseSuspended,
    CaseTransferred,
)
from tests.notification.support import Driver, FakeClock, local, step

ONLY = {"services": ("notification",)}


def routed(kind: str, received: date) -> CaseRouted:
    return CaseRouted(
        **step(kind), received_at=local(received), unit_name="UBND", rule="r", reason="r"
    )


async def test_complaint_accept_suspend_resume_extend_resolve(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        drive = Driver(stack.apps["notification"], FakeClock(datetime(2026, 6, 30, tzinfo=UTC)))
        # Received Tue 30 Jun 2026 (old law): accept within 10 working days -> Tue 14 Jul.
        await drive.send(CASE_ROUTED, routed("complaint", date(2026, 6, 30)), on=date(2026, 6, 30))
        d = await drive.deadlines()
        assert d["accept@0"].due_on == date(2026, 7, 14)
        assert d["accept@0"].due_at == end_of_local_day(date(2026, 7, 14))

        # Accepted Mon 6 Jul: accept met; resolve 30 days -> Wed 5 Aug.
        await drive.send(
            CASE_ACCEPTED,
            CaseAccepted(**step("complaint"), accepted_on=date(2026, 7, 6)),
            on=date(2026, 7, 6),
        )
        d = await drive.deadlines()
        assert d["accept@0"].state == "met"
        assert (d["resolve@0"].state, d["resolve@0"].due_on) == ("running", date(2026, 8, 5))

        # Suspended Mon 20 Jul, resumed Mon 3 Aug: a complaint received before 2026-07-01 has
        # no rule that stops its clock (suspension of complaints: Luật 136/2025/QH15, from
        # 2026-07-01), so it runs on.
        await drive.send(
            CASE_SUSPENDED,
            CaseSuspended(**step("complaint"), reason="chờ giám định"),
            on=date(2026, 7, 20),
        )
        assert (await drive.deadlines())["resolve@0"].state == "running"
        await drive.send(
            CASE_RESUMED,
            CaseResumed(**step("complaint"), decision_ref="QĐ 12"),
            on=date(2026, 8, 3),
        )
        d = await drive.deadlines()
        assert (d["resolve@0"].state, d["resolve@0"].due_on) == ("running", date(2026, 8, 5))

        # Complex (Điều 28): 45 days from 6 Jul -> Thu 20 Aug.
        await drive.send(
            CASE_EXTENDED,
            CaseExtended(**step("complaint"), complexity="complex", reason="nhiều nội dung"),
            on=date(2026, 8, 5),
        )
        d = await drive.deadlines()
        assert (d["resolve@0"].due_on, d["resolve@0"].extensions) == (date(2026, 8, 20), 1)
        # The law allows it once: a second extension changes nothing.
        await drive.send(
            CASE_EXTENDED,
            CaseExtended(**step("complaint"), complexity="very_complex", reason="lại"),
            on=date(2026, 8, 10),
        )
        d = await drive.deadlines()
        assert (d["resolve@0"].due_on, d["resolve@0"].extensions) == (date(2026, 8, 20), 1)

        # Resolved Wed 26 Aug: met; the appeal window waits for the decision to be received.
        await drive.send(
            CASE_RESOLVED,
            CaseResolved(**step("complaint"), summary="s", resolved_on=date(2026, 8, 26)),
            on=date(2026, 8, 26),
        )
        d = await drive.deadlines()
        assert d["resolve@0"].state == "met"
        assert d["notify_parties@0"].state == "running"
        assert "appeal_window@0" not in d
        # Received Fri 28 Aug (Khiếu nại Điều 33): 28 Aug + 30 = Sun 27 Sep -> Mon 28 Sep.
        received = CaseDecisionDelivered(
            **step("complaint", status="resolved"), received_on=date(2026, 8, 28), how="post"
        )
        await drive.send(CASE_DECISION_DELIVERED, received, on=date(2026, 8, 31))
        assert (await drive.deadlines())["appeal_window@0"].due_on == date(2026, 9, 28)

        headers = stack.auth(unit="06427")
        body = (
            await stack["notification"].get(f"/v1/cases/{drive.case_id}/deadlines", headers=headers)
        ).json()
        resolve = next(i for i in body["items"] if i["step"] == "resolve")
        assert [h["change"] for h in resolve["history"]] == [
            "set",
            "extended",
            "extension_refused",
            "met",
        ]
        assert resolve["basis"] == "Luật Khiếu nại 2011, Điều 28"
        assert await stack.count("notification", "outbox", event_type="deadline.set") >= 7


async def test_denunciation_extensions_each_need_a_decision_and_stop_at_two(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        drive = Driver(stack.apps["notification"], FakeClock(datetime(2026, 9, 28, tzinfo=UTC)))
        await drive.send(
            CASE_ROUTED, routed("denunciation", date(2026, 9, 28)), on=date(2026, 9, 28)
        )
        await drive.send(
            CASE_ACCEPTED,
            CaseAccepted(**step("denunciation"), accepted_on=date(2026, 10, 1)),
            on=date(2026, 10, 1),
        )
        # 1 Oct + 30 = Sat 31 Oct -> Mon 2 Nov.
        assert (await drive.deadlines())["resolve@0"].due_on == date(2026, 11, 2)

        def ext(ref: str | None) -> CaseExtended:
            return CaseExtended(
                **step("denunciation"), complexity="very_complex", reason="r", decision_ref=ref
            )

        await drive.send(CASE_EXTENDED, ext(None), on=date(2026, 10, 20))  # no decision: refused
        assert (await drive.deadlines())["resolve@0"].due_on == date(2026, 11, 2)
        # 1 Oct + 60 = Mon 30 Nov; + 90 = Wed 30 Dec.
        await drive.send(CASE_EXTENDED, ext("QĐ 1"), on=date(2026, 10, 21))
        assert (await drive.deadlines())["resolve@0"].due_on == date(2026, 11, 30)
        await drive.send(CASE_EXTENDED, ext("QĐ 2"), on=date(2026, 11, 20))
        assert (await drive.deadlines())["resolve@0"].due_on == date(2026, 12, 30)
        await drive.send(CASE_EXTENDED, ext("QĐ 3"), on=date(2026, 12, 1))  # a third: refused
        d = (await drive.deadlines())["resolve@0"]
        assert (d.due_on, d.extensions) == (date(2026, 12, 30), 2)


async def test_transfer_gives_the_receiving_unit_its_own_clock(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        drive = Driver(stack.apps["notification"], FakeClock(datetime(2026, 11, 20, tzinfo=UTC)))
        # Received Fri 20 Nov 2026; classify by Wed 2 Dec; forward within 5 working days
        # (Tố cáo Điều 24(2)): 23, 25, 26, 27, 30 Nov -> Mon 30 Nov.
        await drive.send(
            CASE_ROUTED, routed("denunciation", date(2026, 11, 20)), on=date(2026, 11, 20)
        )
        moved = CaseTransferred(
            **step("denunciation", unit="06430"),
            from_unit_code="06427",
            unit_name="X",
            reason="thẩm quyền",
        )
        await drive.send(CASE_TRANSFERRED, moved, on=date(2026, 11, 26))
        d = await drive.deadlines()
        assert d["classify@0"].state == "cancelled"
        assert (d["forward@0"].state, d["forward@0"].due_on) == ("met", date(2026, 11, 30))
        assert d["forward@0"].breached_at is None
        # The receiving unit classifies within 7 working days of receiving it (Thu 26 Nov):
        # 27, 30, 1, 2, 3, 4, 7 Dec -> Mon 7 Dec.
        assert (d["classify@1"].unit_code, d["classify@1"].due_on) == ("06430", date(2026, 12, 7))
