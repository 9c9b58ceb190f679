"""A late appeal with a stated reason (Luật Khiếu nại 2011 Điều 9 khoản 2) opens the
second-time complaint at the superior, flagged: the official decides on the reason, a step
with its legal basis, before accepting; refused, the case is not accepted (Điều 11 khoản 6)."""

from __future__ import annotations

import uuid

from shared.events import CASE_APPEALED, CaseAppealed, LateReason
from tests.routing.test_workflow_events import resolved_complaint
from tests.support.routing_workflow import (
    admin,
    outbox_events,
    publish_as_intake,
    step,
    wait_status,
)
from tests.support.stack import Stack

PROVINCE = {"unit": "20", "sub": "thanh-tra-tinh"}
ILLNESS = LateReason(ground="illness", text="Nằm viện điều trị từ ngày 3 đến ngày 30")


async def late_second_time(stack: Stack) -> uuid.UUID:
    first = await resolved_complaint(stack)
    second = uuid.uuid4()
    data = CaseAppealed(
        reason="Không đồng ý", new_case_id=second, new_tracking_code="LT" + second.hex[:6],
        late_reason=ILLNESS,
    )  # fmt: skip
    await publish_as_intake(stack, first, CASE_APPEALED, data)
    await wait_status(stack, second, "routed")
    return second


async def test_the_reason_is_decided_before_acceptance(stack: Stack) -> None:
    second = await late_second_time(stack)
    province = stack.auth(**PROVINCE)
    early = await step(stack, second, "accept", headers=province)
    assert early.status_code == 409 and "Điều 9 khoản 2" in early.json()["rule"]
    history = await stack["routing"].get(f"/v1/cases/{second}/history", headers=admin(stack))
    flagged = [h for h in history.json()["items"] if h["step"] == "late_appeal_stated"]
    assert flagged and flagged[0]["data"]["ground"] == "illness"

    decided = await step(
        stack, second, "late-appeal", {"decision": "accept", "reason": "Có giấy ra viện"},
        headers=province,
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    last = await stack["routing"].get(f"/v1/cases/{second}/history", headers=admin(stack))
    row = last.json()["items"][-1]
    assert row["step"] == "late-appeal" and "Điều 9 khoản 2" in row["reason"]
    assert (await step(stack, second, "accept", headers=province)).status_code == 200
    again = await step(
        stack, second, "late-appeal", {"decision": "accept", "reason": "x"}, headers=province
    )
    assert again.status_code == 409


async def test_a_refused_reason_means_the_case_is_not_accepted(stack: Stack) -> None:
    second = await late_second_time(stack)
    province = stack.auth(**PROVINCE)
    refused = await step(
        stack, second, "late-appeal",
        {"decision": "refuse", "reason": "Không có giấy tờ chứng minh"}, headers=province,
    )  # fmt: skip
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "rejected"
    event = (await outbox_events(stack, second))[-1]
    assert event.type == "case.rejected" and event.data["reason_code"] == "KN11.6"
