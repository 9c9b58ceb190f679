"""Issue 11, item 5: the resolve step's summary is public only where the citizen consented.

An official resolves a case over routing's API; intake's public view (anonymous), its
timeline and Open311's `status_notes` are then read as anyone on the internet reads them.
The timeline carries a generic note; the summary itself is the citizen's, and public only as
the published resolution of a case filed with publish consent (never a denunciation's).
"""

from __future__ import annotations

from typing import Any

from tests.routing.test_workflow_machine import COMPLAINT
from tests.support.routing_workflow import routed_case, step
from tests.support.stack import Stack, wait_until

SUMMARY = "Ông Trần Văn Khải, số nhà 14 thôn Bản Chắt, được bồi thường 120 triệu đồng"
PETITION = {
    "kind": "petition",
    "title": "Đề nghị bồi thường hoa màu khi làm đường",
    "description": "Đường liên thôn đi qua ruộng nhà tôi, chưa được bồi thường.",
    "location": {"unit_code": "06427", "address": "Thôn Bản Chắt"},
    "submitter": {"full_name": "Trần Văn Khải"},
}
DENUNCIATION = {
    "kind": "denunciation",
    "title": "Tố cáo cán bộ địa chính nhận tiền",
    "description": "Cán bộ địa chính xã nhận tiền khi làm sổ đỏ cho dân.",
    "location": {"unit_code": "06427"},
    "submitter": {"full_name": "Nguyễn Văn Bình"},
    "target": {"unit_code": "06427", "person": "Cán bộ địa chính xã"},
}


async def resolved(stack: Stack, body: dict[str, Any], resolve: dict[str, Any]) -> dict[str, Any]:
    """File, accept and resolve a case; return the created case once intake shows it resolved."""
    created = await routed_case(stack, **body)
    for name, payload in (("accept", {"note": "Đủ điều kiện"}), ("resolve", resolve)):
        answer = await step(stack, created["id"], name, payload)
        assert answer.status_code == 200, answer.text
    token = {"X-Case-Token": created["access_token"]}

    async def citizen_sees_it() -> dict[str, Any] | None:
        view = await stack["intake"].get(f"/v1/cases/{created['tracking_code']}", headers=token)
        data: dict[str, Any] = view.json()
        return data if data.get("resolution") else None

    created["full"] = await wait_until(citizen_sees_it, what="intake shows the resolution")
    return created


async def public_view(stack: Stack, code: str) -> dict[str, Any]:
    answer = await stack["intake"].get(f"/v1/cases/{code}")
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


async def status_notes(stack: Stack, code: str) -> Any:
    answer = await stack["intake"].get(f"/open311/v2/requests/{code}.json")
    assert answer.status_code == 200, answer.text
    return answer.json()[0]["status_notes"]


async def test_without_consent_the_summary_is_not_public(stack: Stack) -> None:
    case = await resolved(
        stack, PETITION | {"publish_consent": False}, {"summary": SUMMARY, "publish": False}
    )
    code = case["tracking_code"]
    public = await public_view(stack, code)
    assert public["status"] == "resolved"
    assert public.get("resolution") is None
    notes = [t.get("note") or "" for t in public["timeline"]]
    assert not any(SUMMARY in n for n in notes), notes
    resolved_steps = [t for t in public["timeline"] if t.get("step") == "resolved"]
    assert resolved_steps and resolved_steps[0]["note"], "the timeline says it was resolved"
    assert SUMMARY not in str(await status_notes(stack, code))
    # The citizen, with the case's token, still reads the answer in full.
    assert case["full"]["resolution"]["summary"] == SUMMARY


async def test_only_a_consented_published_resolution_carries_the_summary(stack: Stack) -> None:
    case = await resolved(
        stack, PETITION | {"publish_consent": True}, {"summary": SUMMARY, "publish": True}
    )
    code = case["tracking_code"]
    public = await public_view(stack, code)
    assert public["resolution"]["summary"] == SUMMARY  # consented and published
    assert not any(SUMMARY in (t.get("note") or "") for t in public["timeline"])
    assert await status_notes(stack, code) == SUMMARY
    # A denunciation's conclusion: never, whatever the consent (Tố cáo Điều 8, 40).
    denounced = await resolved(
        stack,
        DENUNCIATION | {"publish_consent": True},
        {"summary": SUMMARY, "decision_ref": "7/KL-UBND", "publish": True},
    )
    public = await public_view(stack, denounced["tracking_code"])
    assert SUMMARY not in str(public)
    assert public.get("resolution") is None and not public.get("timeline")


async def test_a_complaint_resolved_without_consent_keeps_its_summary_off_the_timeline(
    stack: Stack,
) -> None:
    case = await resolved(
        stack, COMPLAINT, {"summary": SUMMARY, "decision_ref": "45/QĐ-UBND", "publish": False}
    )
    public = await public_view(stack, case["tracking_code"])
    assert not any(SUMMARY in (t.get("note") or "") for t in public["timeline"])
