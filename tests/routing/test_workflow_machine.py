"""The lifecycle table, step by step over HTTP: every allowed step goes where the table says,
every other step is a 409 naming the allowed ones."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.routing.cases import machine
from services.routing.cases.machine import OFFICIAL_STEPS, TRANSITIONS, Step
from shared.dates import LOCAL_TZ
from shared.events import CASE_APPEALED, CASE_WITHDRAWN, CaseAppealed, CaseStatus, CaseWithdrawn
from tests.support.modes import embedded_all_production_some
from tests.support.routing_workflow import (
    admin,
    publish_as_intake,
    routed_case,
    step,
    view,
    wait_status,
)
from tests.support.stack import Stack

COMPLAINT = {
    "kind": "complaint",
    "title": "Khiếu nại quyết định thu hồi đất",
    "description": "Quyết định thu hồi đất số 12/QĐ-UBND không đúng diện tích thực tế.",
    "submitter": {"full_name": "Nguyễn Văn An", "phone": "0912345678"},
    "target": {"unit_code": "06427", "decision_ref": "12/QĐ-UBND"},
}
LATER = (datetime.now(UTC) + timedelta(days=10)).isoformat()
TODAY = datetime.now(LOCAL_TZ).date().isoformat()


def valid_body(name: str) -> dict[str, Any] | None:
    """A body each step accepts for a first-time complaint in Xã Cai Kinh."""
    return {
        "accept": {"note": "Đủ điều kiện thụ lý"},
        "reject": {"reason": "KN11.6", "note": "Quá thời hiệu"},
        "transfer": {"to_unit_code": "06364", "reason": "Thuộc thẩm quyền xã khác"},
        "assign": {"assignee": "can-bo-binh"},
        "request-info": {"question": "Xin bổ sung bản sao quyết định"},
        "messages": {"text": "Đã nhận hồ sơ", "visibility": "citizen"},
        "extend": {"reason": "Nhiều nội dung cần xác minh", "complexity": "complex"},
        "dialogues": {"starts_at": LATER, "place": "Trụ sở UBND xã"},
        "resolve": {"summary": "Giữ nguyên quyết định", "decision_ref": "45/QĐ-UBND"},
        "delivery": {"received_on": TODAY, "how": "in_person"},
        "several-places": {"reason": "Xác minh tại nhiều xã"},
        "late-appeal": {"decision": "accept", "reason": "Có giấy ra viện"},
        "close": {},
        "reclassify": {"kind": "petition", "reason": "Nội dung là kiến nghị"},
        "suspend": {
            "reason": "Chờ kết quả giám định",
            "decision_ref": "3/QĐ-TĐC",
            "decided_on": TODAY,
        },
        "resume": {"decision_ref": "4/QĐ-TTGQ", "decided_on": TODAY},
        "suspension-notice": {"sent_on": TODAY, "how": "post"},
    }.get(name)


# How to bring a routed case to each status: official steps, or the citizen's events.
TO_STATUS: dict[CaseStatus, list[str]] = {
    CaseStatus.routed: [],
    CaseStatus.info_requested: ["request-info"],
    CaseStatus.accepted: ["accept"],
    CaseStatus.suspended: ["accept", "suspend"],
    CaseStatus.resolved: ["accept", "resolve"],
    CaseStatus.closed: ["accept", "resolve", "close"],
    CaseStatus.rejected: ["reject"],
    CaseStatus.withdrawn: ["<withdrawn>"],
    CaseStatus.appealed: ["accept", "resolve", "<appealed>"],
}


async def take(stack: Stack, case_id: str, name: str) -> Any:
    """Take an official step with a valid body (minutes: on a freshly scheduled session)."""
    if name == "minutes":
        scheduled = await step(stack, case_id, "dialogues", valid_body("dialogues"))
        dialogue_id = scheduled.json().get("dialogue_id") or uuid.uuid4()
        return await step(
            stack,
            case_id,
            f"dialogues/{dialogue_id}/minutes",
            {"held_at": datetime.now(UTC).isoformat(), "participants": ["Ông An"],
             "outcome": "Hai bên thống nhất"},
        )  # fmt: skip
    return await step(stack, case_id, name, valid_body(name))


async def case_in(stack: Stack, status: CaseStatus) -> str:
    created = await routed_case(stack, **COMPLAINT)
    case_id = created["id"]
    for name in TO_STATUS[status]:
        if name == "<withdrawn>":
            await publish_as_intake(stack, case_id, CASE_WITHDRAWN, CaseWithdrawn(reason="thôi"))
        elif name == "<appealed>":
            data = CaseAppealed(
                reason="Không đồng ý", new_case_id=uuid.uuid4(), new_tracking_code="TESTAPPEAL"
            )
            await publish_as_intake(stack, case_id, CASE_APPEALED, data)
        else:
            answer = await take(stack, case_id, name)
            assert answer.status_code == 200, (name, answer.text)
    await wait_status(stack, case_id, status.value)
    return case_id


def test_the_table_is_closed_and_terminal_states_are_final() -> None:
    for status, steps in TRANSITIONS.items():
        for target in steps.values():
            assert target == machine.PREVIOUS or target in CaseStatus
        assert machine.allowed(status) == [s.value for s in steps if s in OFFICIAL_STEPS]
    for final in (CaseStatus.rejected, CaseStatus.withdrawn, CaseStatus.appealed):
        assert machine.allowed(final) == []
    assert machine.public("suspended") == "accepted"  # the citizen sees handling continue


# In production mode the two statuses with the most steps (routed, accepted): a step there
# takes the same endpoint, lock and table as from any other status.
@pytest.mark.parametrize(
    ("mode", "status"),
    embedded_all_production_some(TO_STATUS, production={CaseStatus.routed, CaseStatus.accepted}),
)
async def test_every_step_from_every_status(stack: Stack, status: CaseStatus) -> None:
    probe = await case_in(stack, status)
    allowed = machine.allowed(status)
    trail = (await stack["routing"].get(f"/v1/cases/{probe}/history", headers=admin(stack))).json()
    for name in sorted(s.value for s in OFFICIAL_STEPS if s.value not in allowed):
        answer = await take(stack, probe, name)
        assert answer.status_code == 409, (status, name, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["allowed"] == allowed, (status, name)
        assert answer.json()["status_now"] == status.value
    # A refused step leaves no trace: the state and the audit trail are as they were.
    assert (await view(stack, probe))["status"] == status.value
    after = (await stack["routing"].get(f"/v1/cases/{probe}/history", headers=admin(stack))).json()
    assert after == trail

    for name in allowed:
        if name in ("several-places", "late-appeal") or (
            name == "suspension-notice" and status is not CaseStatus.suspended
        ):
            # Steps of some cases only: tests/routing/test_several_places.py, test_late_appeal.py,
            # test_suspension_notice_step.py (a suspension's decision, sent after it)
            continue
        case_id = probe if name == allowed[-1] else await case_in(stack, status)
        before = await view(stack, case_id)
        answer = await take(stack, case_id, name)
        assert answer.status_code == 200, (status, name, answer.text)
        # A case returns from a pause to where it was: a complaint here was routed before
        # its information request, accepted before its suspension.
        previous = "accepted" if status is CaseStatus.suspended else "routed"
        expected = machine.target(status, Step(name), previous=previous)
        assert answer.json()["status"] == expected.value, (status, name)
        assert answer.json()["allowed"] == machine.allowed(expected)
        history = await stack["routing"].get(f"/v1/cases/{case_id}/history", headers=admin(stack))
        last = history.json()["items"][-1]
        assert (last["step"], last["from_status"], last["to_status"]) == (
            "minutes" if name == "minutes" else name,
            status.value,
            expected.value,
        )
        assert last["actor"] == "can-bo-an"
        assert answer.json()["version"] >= before["version"]
