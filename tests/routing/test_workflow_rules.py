"""Each step's own rules: legal grounds, extensions as the law allows, transfers, resolutions;
the audit row and the event of every step, written in the step's transaction."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.auth import Role
from tests.routing.test_workflow_machine import COMPLAINT
from tests.support.routing_workflow import admin, outbox_events, routed_case, step, view
from tests.support.stack import Stack

DENUNCIATION = {
    "kind": "denunciation",
    "title": "Tố cáo cán bộ địa chính",
    "description": "Cán bộ địa chính xã nhận tiền để xác nhận sai nguồn gốc đất.",
    "submitter": {"full_name": "Trần Thị Bình", "phone": "0987654321"},
    "target": {"unit_code": "06427", "person": "Cán bộ địa chính xã"},
}


def loc(answer: Any) -> list[str]:
    loc: list[str] = answer.json()["errors"][0]["loc"]
    return loc


async def test_a_rejection_needs_a_legal_ground_for_the_kind(stack: Stack) -> None:
    case = await routed_case(stack, **COMPLAINT)
    unknown = await step(stack, case["id"], "reject", {"reason": "BECAUSE"})
    assert unknown.status_code == 422 and loc(unknown) == ["reason"]
    wrong_kind = await step(stack, case["id"], "reject", {"reason": "TC29.1d"})
    assert wrong_kind.status_code == 422 and "not a ground for a complaint" in wrong_kind.text

    rejected = await step(stack, case["id"], "reject", {"reason": "KN11.7", "note": "Đã có QĐ"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    event = (await outbox_events(stack, case["id"]))[-1]
    assert event.type == "case.rejected"
    assert event.data["reason_code"] == "KN11.7" and event.data["status"] == "rejected"
    assert "Điều 11, khoản 7" in event.data["public_note"]

    grounds = await stack["routing"].get("/v1/workflow/grounds")
    codes = {g["code"]: g for g in grounds.json()}
    assert {f"KN11.{i}" for i in range(1, 10)} <= set(codes)
    assert {"TC29.1a", "TC29.1b", "TC29.1c", "TC29.1d", "TC29.2"} <= set(codes)
    assert codes["TC29.1c"]["law"].startswith("Luật Tố cáo 2018")


async def test_a_complaint_is_extended_once_and_only_as_complex(stack: Stack) -> None:
    case = await routed_case(stack, **COMPLAINT)
    assert (await step(stack, case["id"], "accept")).status_code == 200
    very = await step(stack, case["id"], "extend", {"reason": "r", "complexity": "very_complex"})
    assert very.status_code == 422 and loc(very) == ["complexity"]
    first = await step(stack, case["id"], "extend", {"reason": "r", "complexity": "complex"})
    assert first.status_code == 200
    second = await step(stack, case["id"], "extend", {"reason": "r", "complexity": "complex"})
    assert second.status_code == 409
    assert "Khiếu nại 2011" in second.json()["rule"]


async def test_a_denunciation_is_extended_by_decision_once_or_twice(stack: Stack) -> None:
    case = await routed_case(stack, **DENUNCIATION)
    assert (await step(stack, case["id"], "accept")).status_code == 200
    no_decision = await step(stack, case["id"], "extend", {"reason": "r", "complexity": "complex"})
    assert no_decision.status_code == 422 and loc(no_decision) == ["decision_ref"]
    body = {"reason": "Nhiều nơi", "complexity": "complex", "decision_ref": "1/QĐ-GH"}
    assert (await step(stack, case["id"], "extend", body)).status_code == 200
    again = await step(stack, case["id"], "extend", body)
    assert again.status_code == 409 and "Điều 30" in again.json()["rule"]
    # Very complex: a second extension, never a third.
    body |= {"complexity": "very_complex", "decision_ref": "2/QĐ-GH"}
    assert (await step(stack, case["id"], "extend", body)).status_code == 200
    third = await step(stack, case["id"], "extend", body | {"decision_ref": "3/QĐ-GH"})
    assert third.status_code == 409
    extended = [e for e in await outbox_events(stack, case["id"]) if e.type == "case.extended"]
    assert [e.data["complexity"] for e in extended] == ["complex", "very_complex"]
    # A denunciation's content never travels in a public note.
    assert all(e.data["public_note"] is None for e in extended)


async def test_a_feedback_has_no_extension(stack: Stack) -> None:
    case = await routed_case(stack)
    assert (await step(stack, case["id"], "accept")).status_code == 200
    answer = await step(stack, case["id"], "extend", {"reason": "r", "complexity": "complex"})
    assert answer.status_code == 422


async def test_a_transfer_moves_the_case_to_the_competent_unit(stack: Stack) -> None:
    case = await routed_case(stack)
    unknown = await step(stack, case["id"], "transfer", {"to_unit_code": "99999", "reason": "r"})
    assert unknown.status_code == 422 and loc(unknown) == ["to_unit_code"]
    same = await step(stack, case["id"], "transfer", {"to_unit_code": "06427", "reason": "r"})
    assert same.status_code == 422
    moved = await step(
        stack, case["id"], "transfer", {"to_unit_code": "SXD20", "reason": "Công trình xây dựng"}
    )
    assert moved.status_code == 200 and moved.json()["unit_code"] == "SXD20"
    event = (await outbox_events(stack, case["id"]))[-1]
    assert event.type == "case.transferred"
    assert (event.data["from_unit_code"], event.data["unit_code"]) == ("06427", "SXD20")
    assert event.data["status"] == "routed" and "Sở Xây dựng" in event.data["public_note"]
    # The old unit lets go; the new unit (and the province's staff) take it up.
    path = f"/v1/cases/{case['id']}"
    assert (await stack["routing"].get(path, headers=stack.auth(unit="06427"))).status_code == 403
    assert (await stack["routing"].get(path, headers=stack.auth(unit="SXD20"))).status_code == 200
    assert (await stack["routing"].get(path, headers=stack.auth(unit="20"))).status_code == 200


async def test_resolution_rules_and_the_audit_trail(stack: Stack) -> None:
    case = await routed_case(stack, **COMPLAINT)
    assert (await step(stack, case["id"], "accept", {"note": "Đủ điều kiện"})).status_code == 200
    no_ref = await step(stack, case["id"], "resolve", {"summary": "Giữ nguyên"})
    assert no_ref.status_code == 422 and loc(no_ref) == ["decision_ref"]
    unconsented = await step(
        stack, case["id"], "resolve", {"summary": "s", "decision_ref": "9/QĐ", "publish": True}
    )
    assert unconsented.status_code == 422 and loc(unconsented) == ["publish"]
    resolved = await step(
        stack, case["id"], "resolve", {"summary": "Giữ nguyên QĐ 12", "decision_ref": "9/QĐ"}
    )
    assert resolved.status_code == 200

    history = await stack["routing"].get(f"/v1/cases/{case['id']}/history", headers=admin(stack))
    steps = [(s["step"], s["from_status"], s["to_status"]) for s in history.json()["items"]]
    assert steps == [
        ("routed", "submitted", "routed"),
        ("accept", "routed", "accepted"),
        ("resolve", "accepted", "resolved"),
    ]
    accept = history.json()["items"][1]
    assert accept["actor"] == "can-bo-an" and accept["reason"] == "Đủ điều kiện"
    events = await outbox_events(stack, case["id"])
    assert [e.type for e in events] == ["case.routed", "case.accepted", "case.resolved"]
    assert {k: events[2].data[k] for k in ("status", "decision_ref", "publish")} == {
        "status": "resolved",
        "decision_ref": "9/QĐ",
        "publish": False,
    }
    assert events[1].data["public_note"].startswith("Đã thụ lý")
    assert (await view(stack, case["id"]))["resolved_at"] is not None


async def test_messages_internal_notes_stay_inside(stack: Stack) -> None:
    case = await routed_case(stack)
    for text, visibility in (("Ghi chú nội bộ", "internal"), ("Cảm ơn ông", "citizen")):
        answer = await step(stack, case["id"], "messages", {"text": text, "visibility": visibility})
        assert answer.status_code == 200
    events = [e for e in await outbox_events(stack, case["id"]) if e.type == "case.message_added"]
    assert [(e.data["visibility"], e.data["text"]) for e in events] == [
        ("internal", None),
        ("citizen", "Cảm ơn ông"),
    ]
    listed = await stack["routing"].get(
        f"/v1/cases/{case['id']}/messages", headers=stack.auth(unit="06427")
    )
    assert [m["text"] for m in listed.json()["items"]] == ["Ghi chú nội bộ", "Cảm ơn ông"]


async def test_two_concurrent_steps_on_one_case_exactly_one_wins(stack: Stack) -> None:
    case = await routed_case(stack, **COMPLAINT)
    heads = [stack.auth(unit="06427", sub=who) for who in ("an", "binh")]
    answers = await asyncio.gather(
        step(stack, case["id"], "accept", headers=heads[0]),
        step(stack, case["id"], "reject", {"reason": "KN11.6"}, headers=heads[1]),
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    loser = next(a for a in answers if a.status_code == 409)
    # The loser is told what the winner made of the case, and what can be done now.
    winner = next(a for a in answers if a.status_code == 200).json()
    assert loser.json()["status_now"] == winner["status"]
    assert loser.json()["allowed"] == winner["allowed"]
    events = [e.type for e in await outbox_events(stack, case["id"])]
    assert len([t for t in events if t in ("case.accepted", "case.rejected")]) == 1
    history = await stack["routing"].get(f"/v1/cases/{case['id']}/history", headers=admin(stack))
    assert len(history.json()["items"]) == 2

    # The same step twice at once: one accept, one 409.
    case = await routed_case(stack, **COMPLAINT)
    answers = await asyncio.gather(*(step(stack, case["id"], "accept", headers=h) for h in heads))
    assert sorted(a.status_code for a in answers) == [200, 409]
    accepted = [e for e in await outbox_events(stack, case["id"]) if e.type == "case.accepted"]
    assert len(accepted) == 1


async def test_supervisors_never_see_a_denunciations_content(stack: Stack) -> None:
    case = await routed_case(stack, **DENUNCIATION)
    assert (await step(stack, case["id"], "accept", {"note": "Thụ lý tố cáo"})).status_code == 200
    supervisor = stack.auth(role=Role.supervisor, unit="06427", sub="ban-ttnd")
    seen = (await stack["routing"].get(f"/v1/cases/{case['id']}", headers=supervisor)).json()
    assert "địa chính" not in seen["description"] and "địa chính" not in seen["title"]
    trail = await stack["routing"].get(f"/v1/cases/{case['id']}/history", headers=supervisor)
    assert [s["reason"] for s in trail.json()["items"]] == [None, None]
    talk = await stack["routing"].get(f"/v1/cases/{case['id']}/messages", headers=supervisor)
    assert talk.status_code == 403
