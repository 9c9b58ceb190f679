"""The citizen's actions with the case's token: write, withdraw, rate, appeal."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from tests.support.intake_events import deadline, now, publish, resolved, routed
from tests.support.stack import Stack, wait_until
from tests.support.topic import all_events

COMPLAINT: dict[str, Any] = {
    "kind": "complaint",
    "title": "Khiếu nại quyết định thu hồi đất",
    "description": "Quyết định thu hồi đất không đúng diện tích.",
    "submitter": {"full_name": "Trần Thị Bình", "phone": "0912345678"},
    "target": {"unit_code": "06427", "decision_ref": "QĐ 45/QĐ-UBND"},
    "category": "land",
}


async def _resolve(stack: Stack, created: dict[str, Any], **kw: Any) -> None:
    t = now() + timedelta(seconds=1)
    await publish(stack, routed(created["id"], t), resolved(created["id"], t, **kw))
    path = f"/v1/cases/{created['tracking_code']}"

    async def done() -> bool:
        return bool((await stack["intake"].get(path)).json()["status"] == "resolved")

    await wait_until(done, what="case resolved")


async def _event_types(stack: Stack) -> list[str]:
    return [e.type for e in await all_events(stack)]


async def test_messages_need_the_token_and_show_in_the_full_view_only(intake: Stack) -> None:
    created = await intake.submit()
    code, token = created["tracking_code"], created["access_token"]
    client = intake["intake"]
    path = f"/v1/cases/{code}/messages"
    assert (await client.post(path, json={"text": "Thêm"})).status_code == 403
    wrong = await client.post(path, json={"text": "Thêm"}, headers={"X-Case-Token": "x" * 43})
    assert wrong.status_code == 403
    assert wrong.headers["content-type"] == "application/problem+json"
    unknown = await client.post(
        "/v1/cases/ABCDE-FGHJK/messages", json={"text": "x"}, headers={"X-Case-Token": token}
    )
    assert unknown.status_code == 404
    empty = await client.post(path, json={"text": " "}, headers={"X-Case-Token": token})
    assert empty.status_code == 422 and empty.json()["errors"][0]["loc"] == ["text"]

    added = await client.post(
        path, json={"text": "Cột đèn số 3 cũng hỏng."}, headers={"X-Case-Token": token}
    )
    assert added.status_code == 201, added.text
    full = (await client.get(f"/v1/cases/{code}", headers={"X-Case-Token": token})).json()
    assert [(m["author"], m["text"]) for m in full["messages"]] == [
        ("citizen", "Cột đèn số 3 cũng hỏng.")
    ]
    assert (await client.get(f"/v1/cases/{code}")).json()["messages"] is None

    async def announced() -> list[Any]:
        return [e for e in await all_events(intake) if e.type == "case.message_added"]

    [event] = await wait_until(announced, what="case.message_added on the bus")
    assert event.data["author"] == "citizen" and event.data["visibility"] == "citizen"
    assert event.data["message_id"] == added.json()["id"]


async def test_withdrawal_once_then_nothing_more(intake: Stack) -> None:
    created = await intake.submit()
    code, headers = created["tracking_code"], {"X-Case-Token": created["access_token"]}
    client = intake["intake"]
    first = await client.post(
        f"/v1/cases/{code}/withdraw", json={"reason": "Đã tự sửa"}, headers=headers
    )
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "withdrawn"
    again = await client.post(f"/v1/cases/{code}/withdraw", headers=headers)
    assert again.status_code == 409
    late = await client.post(f"/v1/cases/{code}/messages", json={"text": "x"}, headers=headers)
    assert late.status_code == 409
    view = (await client.get(f"/v1/cases/{code}")).json()
    assert view["status"] == "withdrawn" and view["timeline"][-1]["step"] == "withdrawn"

    async def announced() -> bool:
        return "case.withdrawn" in await _event_types(intake)

    await wait_until(announced, what="case.withdrawn on the bus")


async def test_rating_only_after_resolution_and_only_once(intake: Stack) -> None:
    created = await intake.submit()
    code, headers = created["tracking_code"], {"X-Case-Token": created["access_token"]}
    client = intake["intake"]
    path = f"/v1/cases/{code}/rating"
    early = await client.post(path, json={"score": 4}, headers=headers)
    assert early.status_code == 409 and "resolved" in early.json()["detail"]
    await _resolve(intake, created)
    for bad in ({"score": 0}, {"score": 6}, {"score": 3, "stars": 1}):
        assert (await client.post(path, json=bad, headers=headers)).status_code == 422
    rated = await client.post(path, json={"score": 2, "comment": "Chậm"}, headers=headers)
    assert rated.status_code == 201, rated.text
    assert (await client.post(path, json={"score": 5}, headers=headers)).status_code == 409
    full = (await client.get(f"/v1/cases/{code}", headers=headers)).json()
    assert full["rating"] == {"score": 2, "comment": "Chậm"}

    async def announced() -> list[Any]:
        return [e for e in await all_events(intake) if e.type == "case.rated"]

    [event] = await wait_until(announced, what="case.rated on the bus")
    assert event.data == {"score": 2, "comment": "Chậm"}


async def test_a_complaints_appeal_opens_a_second_time_complaint(intake: Stack) -> None:
    created = await intake.submit(**COMPLAINT)
    code, headers = created["tracking_code"], {"X-Case-Token": created["access_token"]}
    client = intake["intake"]
    path = f"/v1/cases/{code}/appeal"
    early = await client.post(path, json={"reason": "Không đồng ý"}, headers=headers)
    assert early.status_code == 409
    await _resolve(intake, created, kind="complaint")

    appealed = await client.post(path, json={"reason": "Không đồng ý"}, headers=headers)
    assert appealed.status_code == 201, appealed.text
    answer = appealed.json()
    assert answer["status"] == "appealed" and answer["new_tracking_code"] != code
    twice = await client.post(path, json={"reason": "Lần nữa"}, headers=headers)
    assert twice.status_code == 409

    async def announced() -> list[Any]:
        return [e for e in await all_events(intake) if e.type == "case.appealed"]

    [event] = await wait_until(announced, what="case.appealed on the bus")
    assert str(event.case_id) == created["id"]
    assert event.data["new_case_id"] == answer["new_case_id"]
    assert event.data["new_tracking_code"] == answer["new_tracking_code"]
    # The citizen follows the second-time complaint with the same token.
    second = await client.get(f"/v1/cases/{answer['new_tracking_code']}", headers=headers)
    assert second.status_code == 200
    assert second.json()["appeal_of"] == code and second.json()["kind"] == "complaint"
    assert second.json()["submitter"] == COMPLAINT["submitter"]
    # Routing's events about the new case land on it; its decision is contested in court.
    second_case = {"id": answer["new_case_id"], "tracking_code": answer["new_tracking_code"]}
    await _resolve(intake, second_case, kind="complaint")
    final = await client.post(
        f"/v1/cases/{answer['new_tracking_code']}/appeal",
        json={"reason": "Vẫn không đồng ý"},
        headers=headers,
    )
    assert final.status_code == 409 and "court" in final.json()["detail"]


async def _appeal(stack: Stack, created: dict[str, Any]) -> Any:
    return await stack["intake"].post(
        f"/v1/cases/{created['tracking_code']}/appeal",
        json={"reason": "Không đồng ý"},
        headers={"X-Case-Token": created["access_token"]},
    )


async def test_the_appeal_window_is_the_one_notification_decided(intake: Stack) -> None:
    # Notification ran the window (30 days from the day the decision was received, Khiếu nại
    # Điều 33) and it ended yesterday: intake refuses, counting nothing itself.
    created = await intake.submit(**COMPLAINT)
    t = now() + timedelta(seconds=1)
    await _resolve(intake, created, kind="complaint", on=(now() - timedelta(days=31)).date())
    window = deadline(
        created["id"],
        t,
        deadline_id=uuid.uuid4(),
        kind="appeal_window",
        state="expired",
        due=now() - timedelta(days=1),
    )
    await publish(intake, window)
    path = f"/v1/cases/{created['tracking_code']}"

    async def known() -> bool:
        view = (await intake["intake"].get(path)).json()
        return any(d["kind"] == "appeal_window" for d in view["deadlines"])

    await wait_until(known, what="the appeal window in the view")
    late = await _appeal(intake, created)
    assert late.status_code == 409 and "Điều 33" in late.json()["detail"]


async def test_a_decision_not_yet_received_leaves_the_appeal_open(intake: Stack) -> None:
    # Decided 40 days ago, in a remote area or not: no receipt recorded, no window running, so
    # the appeal is never refused for lateness (Khiếu nại Điều 33 counts from the receipt).
    created = await intake.submit(**COMPLAINT)
    t = now() + timedelta(seconds=1)
    decided = (now() - timedelta(days=40)).date()
    await publish(
        intake,
        routed(created["id"], t, kind="complaint", remote_area=True),
        resolved(created["id"], t, kind="complaint", on=decided),
    )
    path = f"/v1/cases/{created['tracking_code']}"

    async def done() -> bool:
        return bool((await intake["intake"].get(path)).json()["status"] == "resolved")

    await wait_until(done, what="case resolved")
    appealed = await _appeal(intake, created)
    assert appealed.status_code == 201, appealed.text


async def test_a_window_held_open_for_the_receipt_is_open(intake: Stack) -> None:
    # The window opened by a deadline passing, then held open by a late decision (paused, no
    # end) until the decision is received: the appeal is taken.
    created = await intake.submit(**COMPLAINT)
    t = now() + timedelta(seconds=1)
    await _resolve(intake, created, kind="complaint", on=(now() - timedelta(days=90)).date())
    window = deadline(
        created["id"], t, deadline_id=uuid.uuid4(), kind="appeal_window", state="paused"
    )
    await publish(intake, window)
    path = f"/v1/cases/{created['tracking_code']}"

    async def held() -> bool:
        view = (await intake["intake"].get(path)).json()
        return any(d["state"] == "paused" for d in view["deadlines"])

    await wait_until(held, what="the window held open")
    assert (await _appeal(intake, created)).status_code == 201


async def test_feedback_is_rated_not_appealed(intake: Stack) -> None:
    created = await intake.submit()
    await _resolve(intake, created)
    response = await intake["intake"].post(
        f"/v1/cases/{created['tracking_code']}/appeal",
        json={"reason": "x"},
        headers={"X-Case-Token": created["access_token"]},
    )
    assert response.status_code == 409


async def test_a_late_appeal_with_a_justified_reason_is_taken(intake: Stack) -> None:
    # Khiếu nại Điều 9 khoản 2: kept away by illness, the citizen appeals after the window
    # notification ran closed; the appeal is taken, its reason carried for the official.
    created = await intake.submit(**COMPLAINT)
    t = now() + timedelta(seconds=1)
    await _resolve(intake, created, kind="complaint", on=(now() - timedelta(days=45)).date())
    window = deadline(
        created["id"], t, deadline_id=uuid.uuid4(), kind="appeal_window", state="expired",
        due=now() - timedelta(days=10),
    )  # fmt: skip
    await publish(intake, window)
    path = f"/v1/cases/{created['tracking_code']}"

    async def known() -> bool:
        view = (await intake["intake"].get(path)).json()
        return any(d["kind"] == "appeal_window" for d in view["deadlines"])

    await wait_until(known, what="the closed window in the view")
    refused = await _appeal(intake, created)
    assert refused.status_code == 409 and "late_reason" in refused.json()["detail"]
    reason = {"ground": "illness", "text": "Nằm viện từ ngày 3 đến ngày 30"}
    taken = await intake["intake"].post(
        f"{path}/appeal",
        json={"reason": "Không đồng ý", "late_reason": reason},
        headers={"X-Case-Token": created["access_token"]},
    )
    assert taken.status_code == 201, taken.text

    async def announced() -> list[Any]:
        return [e for e in await all_events(intake) if e.type == "case.appealed"]

    [event] = await wait_until(announced, what="case.appealed on the bus")
    assert event.data["late_reason"] == reason
    bad = {"ground": "busy", "text": "x"}
    other = await intake.submit(**COMPLAINT)
    wrong = await intake["intake"].post(
        f"/v1/cases/{other['tracking_code']}/appeal",
        json={"reason": "r", "late_reason": bad},
        headers={"X-Case-Token": other["access_token"]},
    )
    assert wrong.status_code == 422
