"""The citizen's acts from intake: withdrawn, rated, messages, appeals; each handled once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared.events import (
    CASE_APPEALED,
    CASE_MESSAGE_ADDED,
    CASE_RATED,
    CASE_WITHDRAWN,
    CaseAppealed,
    CaseMessageAdded,
    CaseRated,
    CaseWithdrawn,
)
from tests.routing.test_workflow_machine import COMPLAINT
from tests.routing.test_workflow_rules import DENUNCIATION
from tests.support.routing_workflow import (
    admin,
    outbox_events,
    publish,
    publish_as_intake,
    routed_case,
    step,
    view,
    wait_status,
)
from tests.support.stack import Stack, wait_until


async def resolved_complaint(stack: Stack) -> str:
    case = await routed_case(stack, **COMPLAINT)
    assert (await step(stack, case["id"], "accept")).status_code == 200
    body = {"summary": "Giữ nguyên quyết định", "decision_ref": "45/QĐ-UBND"}
    assert (await step(stack, case["id"], "resolve", body)).status_code == 200
    return str(case["id"])


async def routed_step_of(stack: Stack, case_id: str | uuid.UUID, event_id: uuid.UUID) -> int:
    """The audit rows of a case's routing: from submitted to routed, naming its event."""
    return await stack.count(
        "routing",
        "case_history",
        case_id=uuid.UUID(str(case_id)),
        step="routed",
        from_status="submitted",
        to_status="routed",
        actor="system:routing",
        event_id=event_id,
    )


async def test_a_filed_case_is_routed_by_one_audited_step(stack: Stack) -> None:
    case = await routed_case(stack, **DENUNCIATION)
    [routed] = [e for e in await outbox_events(stack, case["id"]) if e.type == "case.routed"]
    assert routed.source == "routing" and routed.data["actor"] == "system:routing"
    assert routed.data["status"] == "routed" and routed.data["second_time"] is False
    # The rule's reason, not the denouncer's text: public for a denunciation too.
    assert routed.data["public_note"] == routed.data["reason"]
    assert await routed_step_of(stack, case["id"], routed.id) == 1


async def test_a_withdrawal_ends_the_handling(stack: Stack) -> None:
    case = await routed_case(stack)
    await publish_as_intake(stack, case["id"], CASE_WITHDRAWN, CaseWithdrawn(reason="Đã xong"))
    await wait_status(stack, case["id"], "withdrawn")
    refused = await step(stack, case["id"], "accept")
    assert refused.status_code == 409 and refused.json()["allowed"] == []
    # A withdrawal of a case already closed changes nothing.
    done = await resolved_complaint(stack)
    assert (await step(stack, done, "close")).status_code == 200
    await publish_as_intake(stack, done, CASE_WITHDRAWN, CaseWithdrawn())
    await publish_as_intake(stack, done, CASE_RATED, CaseRated(score=4, comment="Rõ ràng"))

    async def rated() -> bool:
        return (await view(stack, done))["rating_score"] == 4

    await wait_until(rated, what="the rating recorded")
    assert (await view(stack, done))["status"] == "closed"


async def test_the_citizens_answer_resumes_a_case_waiting_for_it(stack: Stack) -> None:
    case = await routed_case(stack)
    assert (await step(stack, case["id"], "accept")).status_code == 200
    asked = await step(stack, case["id"], "request-info", {"question": "Xin ảnh hiện trường"})
    assert asked.json()["status"] == "info_requested"
    message = CaseMessageAdded(
        message_id=uuid.uuid4(), author="citizen", visibility="citizen",
        text="Gửi kèm ảnh", actor="citizen",
    )  # fmt: skip
    sent = await publish_as_intake(stack, case["id"], CASE_MESSAGE_ADDED, message)
    await wait_status(stack, case["id"], "accepted")  # back where it was before the request
    await publish(stack, sent)  # delivered twice: one message, one resumption
    await publish_as_intake(stack, case["id"], CASE_MESSAGE_ADDED, message)  # replayed anew
    await step(stack, case["id"], "messages", {"text": "Đã nhận", "visibility": "citizen"})
    listed = await stack["routing"].get(f"/v1/cases/{case['id']}/messages", headers=admin(stack))
    assert [(m["author"], m["text"]) for m in listed.json()["items"]] == [
        ("citizen", "Gửi kèm ảnh"),
        ("official", "Đã nhận"),
    ]
    resumed = [e for e in await outbox_events(stack, case["id"]) if e.type == "case.resumed"]
    assert len(resumed) == 1 and resumed[0].data["status"] == "accepted"


async def test_an_appeal_opens_a_second_time_complaint_at_the_province(stack: Stack) -> None:
    first = await resolved_complaint(stack)
    second_id = uuid.uuid4()
    appeal = CaseAppealed(
        reason="Không đồng ý với quyết định giải quyết lần đầu",
        new_case_id=second_id,
        new_tracking_code="APPEAL" + second_id.hex[:6].upper(),
    )
    envelope = await publish_as_intake(stack, first, CASE_APPEALED, appeal)
    await wait_status(stack, first, "appealed")
    second = await wait_status(stack, second_id, "routed")
    assert (second["unit_code"], second["rule"], second["kind"]) == (
        "20",
        "appeal.superior",
        "complaint",
    )
    assert second["appeal_of"] == first
    assert "Khiếu nại lần hai" in second["title"]
    routed = await outbox_events(stack, second_id)
    assert [e.type for e in routed] == ["case.routed"]
    assert routed[0].data["rule"] == "appeal.superior" and routed[0].data["unit_code"] == "20"
    assert routed[0].data["second_time"] is True  # notification counts Điều 36-37 periods
    assert routed[0].data["appeal_of"] == first
    assert routed[0].data["public_note"] == routed[0].data["reason"]
    assert await routed_step_of(stack, second_id, routed[0].id) == 1  # as a filed case is
    # The commune no longer holds it; the province's officials do.
    path = f"/v1/cases/{second_id}"
    assert (await stack["routing"].get(path, headers=stack.auth(unit="06427"))).status_code == 403
    assert (await stack["routing"].get(path, headers=stack.auth(unit="20"))).status_code == 200

    # Delivered again, or announced again under another id: still one second-time case.
    await publish(stack, envelope)
    again = await publish_as_intake(stack, first, CASE_APPEALED, appeal)

    async def handled() -> bool:
        return await stack.count("routing", "processed_events", event_id=again.id) == 1

    await wait_until(handled, what="the appeal announced again handled")
    assert await stack.count("routing", "cases", appeal_of=uuid.UUID(first)) == 1
    assert len(await outbox_events(stack, second_id)) == 1


async def test_a_second_time_complaint_is_not_appealed_again(stack: Stack) -> None:
    first = await resolved_complaint(stack)
    second_id = uuid.uuid4()
    await publish_as_intake(
        stack, first, CASE_APPEALED,
        CaseAppealed(reason="r", new_case_id=second_id, new_tracking_code="T2" + second_id.hex[:6]),
    )  # fmt: skip
    await wait_status(stack, second_id, "routed")
    province = stack.auth(unit="20", sub="thanh-tra-tinh")
    assert (await step(stack, second_id, "accept", headers=province)).status_code == 200
    # A second-time complaint is resolved only after a dialogue (Khiếu nại Điều 39).
    early = await step(
        stack, second_id, "resolve", {"summary": "s", "decision_ref": "7/QĐ-UBND"},
        headers=province,
    )  # fmt: skip
    assert early.status_code == 409 and "Điều 39" in early.json()["rule"]
    later = (datetime.now(UTC) + timedelta(days=6)).isoformat()
    talk = {"starts_at": later, "place": "UBND tỉnh"}
    scheduled = await step(stack, second_id, "dialogues", talk, headers=province)
    minutes = {"held_at": datetime.now(UTC).isoformat(), "participants": ["Ông An", "UBND xã"],
               "outcome": "Hai bên trình bày ý kiến"}  # fmt: skip
    held = await step(
        stack, second_id, f"dialogues/{scheduled.json()['dialogue_id']}/minutes", minutes,
        headers=province,
    )  # fmt: skip
    assert held.status_code == 200
    decided = await step(
        stack, second_id, "resolve",
        {"summary": "Công nhận một phần", "decision_ref": "7/QĐ-UBND"}, headers=province,
    )  # fmt: skip
    # The law publishes a second-time complaint's decision.
    assert decided.status_code == 200
    assert (await outbox_events(stack, second_id))[-1].data["publish"] is True
    third_id = uuid.uuid4()
    await publish_as_intake(
        stack, second_id, CASE_APPEALED,
        CaseAppealed(reason="r", new_case_id=third_id, new_tracking_code="T3" + third_id.hex[:6]),
    )  # fmt: skip
    await wait_status(stack, second_id, "appealed")
    assert await stack.count("routing", "cases", id=third_id) == 0  # it goes to court instead
