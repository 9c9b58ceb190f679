"""The board's requests for information and the head's follow-up actions are timed by
notification like a recommendation's answer; a recommendation can be made on a single case
without a supervision. End to end, through the event bus."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from services.routing.supervision.models import SupervisionStep
from tests.support.routing_workflow import outbox_events, routed_case
from tests.support.stack import Stack, wait_until
from tests.support.supervision import UNIT, board, head, open_supervision, recommend


async def clock(stack: Stack, id_: str, state: str) -> dict[str, Any] | None:
    """Notification's clock keyed by `id_` (a request, an action, a recommendation)."""
    answer = await stack["notification"].get(f"/v1/cases/{id_}/deadlines", headers=head(stack))
    items = answer.json()["items"] if answer.status_code == 200 else []
    return items[0] if items and items[0]["state"] == state else None


async def test_a_request_for_information_runs_a_clock_met_by_the_answer(stack: Stack) -> None:
    sup = await open_supervision(stack)
    asked = await stack["routing"].post(
        f"/v1/supervisions/{sup['id']}/entries",
        json={"kind": "info_request", "text": "Đề nghị cung cấp danh sách đơn quá hạn"},
        headers=board(stack),
    )  # fmt: skip
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    running = await wait_until(lambda: clock(stack, request_id, "running"), what="the clock")
    assert running["step"] == "answer_information"
    assert running["due_on"] >= asked.json()["due_on"]  # a rest day moves it later, never earlier
    url = f"/v1/supervisions/{sup['id']}/entries/{request_id}/answer"
    official = stack.auth(unit=UNIT, sub="can-bo")
    for text_ in ("Danh sách kèm theo", "Bổ sung"):  # a second answer adds, the clock met once
        given = await stack["routing"].post(url, json={"text": text_}, headers=official)
        assert given.status_code == 201, given.text
    await wait_until(lambda: clock(stack, request_id, "met"), what="the clock met")
    types = [e.type for e in await outbox_events(stack, sup["id"])]
    assert types.count("supervision.information_given") == 1


async def test_follow_up_actions_are_timed_and_recorded_done(stack: Stack) -> None:
    sup = await open_supervision(stack)
    rec = (await recommend(stack, sup["id"])).json()
    url = f"/v1/recommendations/{rec['id']}/answer"
    today = date.today()
    refused = await stack["routing"].post(
        url, headers=head(stack), json={"outcome": "accepted", "text": "Tiếp thu",
                                        "follow_up": [{"action": "x", "due_on": str(today)}]},
    )  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"][-3:] == ["follow_up", 0, "due_on"]
    due = (today + timedelta(days=20)).isoformat()
    answered = await stack["routing"].post(
        url, headers=head(stack),
        json={"outcome": "partly", "text": "Tiếp thu một phần",
              "follow_up": [{"action": "Thụ lý lại hồ sơ", "due_on": due},
                            {"action": "Tập huấn cán bộ", "due_on": due}]},
    )  # fmt: skip
    assert answered.status_code == 200, answered.text
    first, second = answered.json()["follow_up"]
    running = await wait_until(lambda: clock(stack, first["id"], "running"), what="its clock")
    assert running["step"] == "follow_up_action" and running["due_on"] >= due
    assert await wait_until(lambda: clock(stack, second["id"], "running"), what="the other")
    done_url = f"/v1/recommendations/{rec['id']}/follow-up/{first['id']}/done"
    note = {"note": "Đã thụ lý lại, thông báo cho công dân"}
    done = await stack["routing"].post(done_url, json=note, headers=stack.auth(unit=UNIT))
    assert done.status_code == 200, done.text
    recorded = done.json()["follow_up"][0]
    assert (recorded["done_on"] is not None, recorded["done_on_time"]) == (True, True)
    again = await stack["routing"].post(done_url, json=note, headers=stack.auth(unit=UNIT))
    assert again.status_code == 409
    unknown = await stack["routing"].post(
        f"/v1/recommendations/{rec['id']}/follow-up/{uuid.uuid4()}/done", json=note,
        headers=head(stack),
    )  # fmt: skip
    assert unknown.status_code == 404
    await wait_until(lambda: clock(stack, first["id"], "met"), what="the action's clock met")
    assert await clock(stack, second["id"], "running")  # the other one still runs
    async with stack.database("routing").sessions() as session:
        actions = list(
            await session.scalars(
                select(SupervisionStep.action).where(
                    SupervisionStep.recommendation_id == uuid.UUID(rec["id"])
                )
            )
        )
    assert actions == ["recommended", "answered", "action_done"]


async def test_a_recommendation_on_a_single_case(stack: Stack) -> None:
    case = await routed_case(stack)
    url = f"/v1/cases/{case['id']}/recommendations"
    body = {"text": "Đề nghị trả lời phản ánh đúng hạn", "reason": "Đã quá hạn 5 ngày"}
    for other in (board(stack, "00070"), stack.auth(unit=UNIT), head(stack)):
        assert (await stack["routing"].post(url, json=body, headers=other)).status_code == 403
    missing = await stack["routing"].post(
        f"/v1/cases/{uuid.uuid4()}/recommendations", json=body, headers=board(stack)
    )
    assert missing.status_code == 404
    made = await stack["routing"].post(url, json=body, headers=board(stack))
    assert made.status_code == 201, made.text
    rec = made.json()
    assert (rec["supervision_id"], rec["case_id"], rec["state"]) == (None, case["id"], "open")
    await wait_until(lambda: clock(stack, rec["id"], "running"), what="the response clock")
    answer = await stack["routing"].post(
        f"/v1/recommendations/{rec['id']}/answer", headers=head(stack),
        json={"outcome": "accepted", "text": "Sẽ trả lời trong tuần"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    await wait_until(lambda: clock(stack, rec["id"], "met"), what="the clock met")
    public = await stack["routing"].get("/v1/recommendations", params={"unit_code": UNIT})
    (shown,) = [r for r in public.json()["items"] if r["id"] == rec["id"]]
    assert shown["supervision_id"] is None and "case_id" not in shown
    types = [e.type for e in await outbox_events(stack, rec["id"])]
    assert types == ["supervision.recommended", "recommendation.answered"]
    figures = await stack["routing"].get(f"/v1/stats/units/{UNIT}")
    assert figures.json()["recommendations"]["received"] == 1
