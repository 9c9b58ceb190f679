"""record_delivery: the day the complainant received the first-time decision (Luật Khiếu nại
Điều 33). Routing records it once, with its audit row and event; notification starts the appeal
window from it; intake shows it, the window, and the court's window (Tố tụng hành chính Điều
116) to the citizen, and tells them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.catalog import SERVICES
from shared.dates import LOCAL_TZ
from tests.routing.test_workflow_machine import COMPLAINT
from tests.support.routing_workflow import admin, outbox_events, routed_case, step
from tests.support.stack import Stack, wait_until

TODAY = datetime.now(LOCAL_TZ).date()


async def resolved(stack: Stack, **submit: Any) -> dict[str, Any]:
    case = await routed_case(stack, **submit)
    assert (await step(stack, case["id"], "accept")).status_code == 200
    body = {"summary": "Giữ nguyên quyết định", "decision_ref": "45/QĐ-UBND"}
    assert (await step(stack, case["id"], "resolve", body)).status_code == 200
    return case


async def citizen_notices_about_receipt(stack: Stack, case_id: str) -> int:
    """The citizen's notices whose text cites Điều 33 (the receipt's public note)."""
    table = SERVICES["notification"].definition.metadata.tables["notifications"]
    query = select(table.c.case_id, table.c.context).where(table.c.audience == "citizen")
    async with stack.database("notification").sessions() as session:
        rows = (await session.execute(query)).all()
    return sum(str(cid) == case_id and "Điều 33" in str(ctx) for cid, ctx in rows)


async def test_the_receipt_starts_the_appeal_window_everywhere(stack: Stack) -> None:
    early = await routed_case(stack, **COMPLAINT)
    body = {"received_on": TODAY.isoformat(), "how": "post", "evidence_ref": "Phiếu báo phát 12"}
    refused = await step(stack, early["id"], "delivery", body)
    assert refused.status_code == 409 and "resolve" not in refused.json()["allowed"]

    case = await resolved(stack, **COMPLAINT)
    before = {**body, "received_on": (TODAY - timedelta(days=1)).isoformat()}
    answer = await step(stack, case["id"], "delivery", before)
    assert answer.status_code == 422 and answer.json()["errors"][0]["loc"] == ["received_on"]
    later = {**body, "received_on": (TODAY + timedelta(days=1)).isoformat()}
    assert (await step(stack, case["id"], "delivery", later)).status_code == 422

    done = await step(stack, case["id"], "delivery", body)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "resolved"
    again = await step(stack, case["id"], "delivery", body)
    assert again.status_code == 409 and TODAY.isoformat() in again.json()["detail"]
    event = (await outbox_events(stack, case["id"]))[-1]
    assert event.type == "case.decision_delivered"
    assert event.data["received_on"] == TODAY.isoformat() and event.data["how"] == "post"
    assert event.data["decision_ref"] == "45/QĐ-UBND"
    history = await stack["routing"].get(f"/v1/cases/{case['id']}/history", headers=admin(stack))
    last = history.json()["items"][-1]
    assert last["step"] == "delivery" and last["actor"] == "can-bo-an"

    # Notification: the window runs from the receipt (Điều 33), 30 days (the 2026 rules).
    async def window() -> dict[str, Any] | None:
        answer = await stack["notification"].get(
            f"/v1/cases/{case['id']}/deadlines", headers=admin(stack)
        )
        items = [d for d in answer.json()["items"] if d["step"] == "appeal_window"]
        return items[0] if items else None

    started = await wait_until(window, what="the appeal window started")
    assert started["starts_on"] == TODAY.isoformat() and started["state"] == "running"
    assert started["policy_id"] == "complaint.appeal_window.2026"

    # Intake: the citizen sees the receipt, the window, and the court's window (no timer).
    path = f"/v1/cases/{case['tracking_code']}"
    token = {"X-Case-Token": case["access_token"]}

    async def citizen_view() -> dict[str, Any] | None:
        view = (await stack["intake"].get(path, headers=token)).json()
        kinds = {d["kind"] for d in view["deadlines"]}
        received = (view.get("resolution") or {}).get("received_on")
        return view if "appeal_window" in kinds and received else None

    view = await wait_until(citizen_view, what="the citizen's view of the receipt")
    assert view["resolution"]["received_on"] == TODAY.isoformat()
    assert [d["kind"] for d in view["deadlines"]].count("court_window") == 0  # never timed
    court = view["court_window"]
    assert court["basis"] == "Luật Tố tụng hành chính 2015, Điều 116"
    assert court["runs_from"] == TODAY.isoformat() and court["period"] == "1 năm"
    computed = await stack["notification"].get(court["calculator"])
    assert computed.status_code == 200, computed.text
    assert computed.json()["policy_id"] == "complaint.court_window.2015"
    assert computed.json()["start"] == TODAY.isoformat()
    public = (await stack["intake"].get(path)).json()
    assert public.get("court_window") is None  # the citizen's own view only

    async def told() -> int | None:
        return await citizen_notices_about_receipt(stack, case["id"]) or None

    assert await wait_until(told, what="the citizen told of the receipt") == 1


async def test_only_a_complaint_decision_s_receipt_is_recorded(stack: Stack) -> None:
    case = await routed_case(stack)  # a feedback
    assert (await step(stack, case["id"], "accept")).status_code == 200
    resolved_feedback = await step(stack, case["id"], "resolve", {"summary": "Đã sửa đèn"})
    assert resolved_feedback.status_code == 200
    body = {"received_on": TODAY.isoformat(), "how": "electronic"}
    refused = await step(stack, case["id"], "delivery", body)
    assert refused.status_code == 409 and "Điều 33" in refused.json()["rule"]
