"""Recording that a suspension decision was sent to the parties (Luật Tố cáo 2018 Điều 34: within
5 working days of its date). Routing records it once per suspension, with its audit row and
event; notification's clock for it, started by the suspension from the decision's date, is met;
routing's queue shows that clock while it runs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.routing.test_workflow_machine import TODAY
from tests.support.routing_workflow import admin, outbox_events, routed_case, step, view
from tests.support.stack import Stack, wait_until

DENUNCIATION = {
    "kind": "denunciation",
    "title": "Tố cáo cán bộ địa chính xã",
    "description": "Cán bộ địa chính xã nhận tiền của doanh nghiệp khai thác đá.",
    "location": {"unit_code": "06427"},
    "submitter": {"full_name": "Nguyễn Văn Bình"},
    "target": {"unit_code": "06427", "person": "Cán bộ địa chính xã"},
}
DAY = date.fromisoformat(TODAY)
DECIDED = (DAY - timedelta(days=3)).isoformat()  # the suspension decision's date


async def notice_clock(stack: Stack, case_id: str) -> dict[str, Any] | None:
    answer = await stack["notification"].get(f"/v1/cases/{case_id}/deadlines", headers=admin(stack))
    items = [d for d in answer.json()["items"] if d["step"] == "suspension_notice"]
    return items[0] if items else None


async def test_the_sending_is_recorded_once_and_meets_its_clock(stack: Stack) -> None:
    case = await routed_case(stack, **DENUNCIATION)
    case_id = case["id"]
    assert (await step(stack, case_id, "accept")).status_code == 200
    body = {"sent_on": TODAY, "how": "post", "evidence_ref": "Phiếu báo phát 12"}
    never = await step(stack, case_id, "suspension-notice", body)
    assert never.status_code == 409 and "Điều 34" in never.json()["rule"]
    assert never.headers["content-type"] == "application/problem+json"

    suspend = {
        "reason": "Chờ kết luận giám định",
        "decision_ref": "3/QĐ-TĐC",
        "decided_on": DECIDED,
    }
    assert (await step(stack, case_id, "suspend", suspend)).status_code == 200

    # Notification starts the clock from the decision's date; the queue shows it.
    started = await wait_until(lambda: notice_clock(stack, case_id), what="the sending's clock")
    assert started["starts_on"] == DECIDED and started["state"] == "running"
    assert started["policy_id"] == "denunciation.suspension_notice.2018"

    async def queued() -> dict[str, Any] | None:
        shown = await view(stack, case_id)
        return shown if shown["due_kind"] == "suspension_notice" else None

    assert (await wait_until(queued, what="the queue shows the clock"))["due_at"] is not None

    # Bad input: nothing changes.
    before = (await view(stack, case_id))["version"]
    early = (DAY - timedelta(days=4)).isoformat()
    for wrong, field in (
        ({**body, "sent_on": early}, "sent_on"),
        ({**body, "sent_on": (DAY + timedelta(days=1)).isoformat()}, "sent_on"),
        ({**body, "how": "pigeon"}, "how"),
        ({"how": "post"}, "sent_on"),
    ):
        answer = await step(stack, case_id, "suspension-notice", wrong)
        assert answer.status_code == 422, (wrong, answer.text)
        assert answer.json()["errors"][0]["loc"][-1] == field
    assert (await view(stack, case_id))["version"] == before

    done = await step(stack, case_id, "suspension-notice", body)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "suspended"
    again = await step(stack, case_id, "suspension-notice", body)
    assert again.status_code == 409 and TODAY in again.json()["detail"]

    event = (await outbox_events(stack, case_id))[-1]
    assert event.type == "case.suspension_notice_sent"
    assert (event.data["sent_on"], event.data["suspended_on"]) == (TODAY, DECIDED)
    assert event.data["decision_ref"] == "3/QĐ-TĐC" and event.data["how"] == "post"
    assert event.data["public_note"] is None  # a denunciation's steps say nothing in public
    history = await stack["routing"].get(f"/v1/cases/{case_id}/history", headers=admin(stack))
    last = history.json()["items"][-1]
    assert (last["step"], last["actor"]) == ("suspension-notice", "can-bo-an")

    async def met() -> dict[str, Any] | None:
        clock = await notice_clock(stack, case_id)
        return clock if clock and clock["state"] == "met" else None

    assert (await wait_until(met, what="the sending's clock met"))["starts_on"] == DECIDED

    async def off_the_queue() -> dict[str, Any] | None:
        shown = await view(stack, case_id)
        return shown if shown["due_kind"] is None else None

    await wait_until(off_the_queue, what="the met clock leaves the queue")

    # Once per suspension: after the decision to continue it is still recorded; a new
    # suspension owes its own sending.
    resume = {"decision_ref": "4/QĐ", "decided_on": TODAY}
    assert (await step(stack, case_id, "resume", resume)).status_code == 200
    assert (await step(stack, case_id, "suspension-notice", body)).status_code == 409
    suspend_again = {**suspend, "decision_ref": "5/QĐ-TĐC", "decided_on": TODAY}
    assert (await step(stack, case_id, "suspend", suspend_again)).status_code == 200
    second = await step(stack, case_id, "suspension-notice", {**body, "how": "electronic"})
    assert second.status_code == 200, second.text
    event = (await outbox_events(stack, case_id))[-1]
    assert (event.data["suspended_on"], event.data["decision_ref"]) == (TODAY, "5/QĐ-TĐC")
