"""Residents reach their unit's people's inspection board with a new submission: a feedback
addressed to the board (intake's `POST /v1/cases`, `"addressed_to": "board"`) is routed to
the unit as every feedback is (the unit resolves it, on its clock) and is also in the
board's queue, which supervises how the unit handles it."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from services.routing.cases.models import CaseStep
from tests.routing.test_case_routed_once import delivered_again, steps_of
from tests.support.routing_workflow import admin, routed_case
from tests.support.stack import Stack, wait_until
from tests.support.supervision import UNIT, board

FEEDBACK = {
    "kind": "feedback",
    "title": "Xã chậm trả lời đơn của tôi",
    "description": "Đơn phản ánh gửi từ tháng 9 đến nay đã quá hạn mà cán bộ xã chưa trả lời.",
    "location": {"unit_code": UNIT},
    "addressed_to": "board",
}


async def board_queue(stack: Stack, unit: str = UNIT) -> list[dict[str, Any]] | None:
    answer = await stack["routing"].get(f"/v1/boards/{unit}/messages", headers=board(stack, unit))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items or None


async def test_a_feedback_to_the_board_is_in_its_queue_and_the_units(stack: Stack) -> None:
    case = await routed_case(stack, **FEEDBACK)
    (message,) = await wait_until(lambda: board_queue(stack), what="the board's queue")
    assert message["via"] == "submission"
    assert (message["case_id"], message["tracking_code"], message["case_kind"]) == (
        case["id"], case["tracking_code"], "feedback",
    )  # fmt: skip
    assert message["text"] == f"{FEEDBACK['title']}\n\n{FEEDBACK['description']}"
    routed = await stack["routing"].get(f"/v1/cases/{case['id']}", headers=admin(stack))
    assert routed.json()["unit_code"] == UNIT  # the unit resolves it, on its clock
    async with stack.database("routing").sessions() as session:
        step = await session.scalar(
            select(CaseStep).where(CaseStep.case_id == uuid.UUID(case["id"]))
        )
    assert step is not None and step.data is not None
    assert step.data["addressed_to"] == "board"  # the audit says whom it was addressed to


async def test_only_feedback_is_addressed_to_the_board(stack: Stack) -> None:
    refused = await stack["intake"].post(
        "/v1/cases", json=FEEDBACK | {"kind": "petition", "submitter": {
            "full_name": "Trần Thị Bình", "phone": "0912000111"}},
    )  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["loc"][-1] == "addressed_to"
    plain = await routed_case(stack, **(FEEDBACK | {"addressed_to": "unit"}))
    assert plain["tracking_code"]
    other = await routed_case(stack, **FEEDBACK)

    async def only_the_boards() -> list[str] | None:
        items = await board_queue(stack)
        return [m["case_id"] for m in items] if items else None

    assert await wait_until(only_the_boards, what="the board's queue") == [other["id"]]


async def test_a_feedback_to_the_board_delivered_again_is_one_message(stack: Stack) -> None:
    case = await routed_case(stack, **FEEDBACK)
    await wait_until(lambda: board_queue(stack), what="the board's queue")
    await delivered_again(stack, case["id"])
    assert [m["case_id"] for m in await board_queue(stack) or []] == [case["id"]]
    assert [s.step for s in await steps_of(stack, case["id"])] == ["routed", "withdraw"]
