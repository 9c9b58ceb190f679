"""Dân giám sát: a people's inspection board supervises late land complaints, asks for
information, recommends; the head answers one on time and lets one pass its response date;
the public sees the answered and the overdue ones, without names."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from services.catalog import SERVICES
from services.routing.supervision.models import Recommendation, SupervisionStep
from shared.events import DEADLINE_SET, DeadlineSet, new_event
from tests.routing.test_workflow_machine import COMPLAINT
from tests.routing.test_workflow_rules import DENUNCIATION
from tests.support.routing_workflow import outbox_events, publish, routed_case
from tests.support.stack import Stack, wait_until
from tests.support.supervision import UNIT, board, head, open_supervision, recommend

LAND = COMPLAINT | {"category": "land"}


async def make_late(stack: Stack, case_id: str) -> None:
    """Notification announces the case's acceptance deadline as passed two days ago."""
    late = DeadlineSet(
        deadline_id=uuid.uuid4(), kind="accept", unit_code=UNIT, starts_on="2026-01-01",
        due_at=datetime.now(UTC) - timedelta(days=2), basis="Luật Khiếu nại 2011, Điều 27",
        state="breached",
    )  # fmt: skip
    event = new_event(DEADLINE_SET, source="notification", case_id=uuid.UUID(case_id), data=late)
    await publish(stack, event)


async def clock_state(stack: Stack, recommendation_id: str, state: str) -> dict[str, Any] | None:
    """The recommendation's response clock in notification, once routing holds its due date."""
    answer = await stack["notification"].get(
        f"/v1/cases/{recommendation_id}/deadlines", headers=head(stack)
    )
    items = answer.json()["items"] if answer.status_code == 200 else []
    if not items or items[0]["state"] != state:
        return None
    listed = await stack["routing"].get(
        "/v1/recommendations", params={"unit_code": UNIT}, headers=board(stack)
    )
    kept = {r["id"]: (r["deadline_id"], r["due_on"]) for r in listed.json()["items"]}
    held = kept.get(recommendation_id) == (items[0]["id"], items[0]["due_on"])
    return items[0] if held else None


async def supervision(stack: Stack, supervision_id: str, **headers: Any) -> dict[str, Any]:
    answer = await stack["routing"].get(
        f"/v1/supervisions/{supervision_id}", headers=headers or board(stack)
    )
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


async def test_a_board_supervises_recommends_and_is_answered(stack: Stack) -> None:
    late = await routed_case(stack, **LAND)
    on_time = await routed_case(stack, **LAND)
    await make_late(stack, late["id"])
    opened = await open_supervision(
        stack, scope={"theme": "Khiếu nại đất đai năm 2026 trả lời chậm", "kinds": ["complaint"],
                      "category": "land", "late_only": True},
    )  # fmt: skip
    sup_id = opened["id"]
    assert opened["state"] == "open"

    async def late_one_in_scope() -> list[str] | None:
        items = (await supervision(stack, sup_id))["cases"]["items"]
        return [c["id"] for c in items] or None

    assert await wait_until(late_one_in_scope, what="the late complaint in scope") == [late["id"]]
    assert on_time["id"] not in str(await supervision(stack, sup_id))

    # The board asks the unit for information; the unit's official answers it.
    asked = await stack["routing"].post(
        f"/v1/supervisions/{sup_id}/entries",
        json={"kind": "info_request", "text": "Đề nghị báo cáo lý do chậm thụ lý"},
        headers=board(stack),
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["due_on"] is not None
    answered_info = await stack["routing"].post(
        f"/v1/supervisions/{sup_id}/entries/{asked.json()['id']}/answer",
        json={"text": "Do thiếu hồ sơ đo đạc"},
        headers=stack.auth(unit=UNIT, sub="can-bo-dia-chinh"),
    )
    assert answered_info.status_code == 201, answered_info.text

    first = await recommend(stack, sup_id, case_id=late["id"])
    second = await recommend(stack, sup_id, text="Đề nghị rà soát quy trình thụ lý")
    assert first.status_code == second.status_code == 201, first.text
    assert first.json()["state"] == "open" and first.json()["due_on"] > first.json()["issued_on"]
    answer = await stack["routing"].post(
        f"/v1/recommendations/{first.json()['id']}/answer",
        json={"outcome": "accepted", "text": "Sẽ thụ lý trong tuần",
              "follow_up": [{"action": "Thụ lý hồ sơ", "due_on": "2026-12-31"}]},
        headers=head(stack),
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "answered" and answer.json()["answered_on_time"] is True
    again = await stack["routing"].post(
        f"/v1/recommendations/{first.json()['id']}/answer",
        json={"outcome": "rejected", "text": "x"}, headers=head(stack),
    )  # fmt: skip
    assert again.status_code == 409
    # The second one's response period passes unanswered: once routing holds notification's
    # due date (which would otherwise overwrite the one set here), it is moved to the past.
    await wait_until(
        lambda: clock_state(stack, second.json()["id"], "running"), what="the clock started"
    )
    async with stack.database("routing").transaction() as session:
        await session.execute(
            update(Recommendation)
            .where(Recommendation.id == uuid.UUID(second.json()["id"]))
            .values(due_on=(datetime.now(UTC) - timedelta(days=3)).date())
        )

    public = await stack["routing"].get("/v1/recommendations", params={"unit_code": UNIT})
    assert public.status_code == 200, public.text
    items = {r["id"]: r for r in public.json()["items"]}
    assert {r["state"] for r in items.values()} == {"answered", "overdue"}
    assert items[first.json()["id"]]["outcome"] == "accepted"
    for item in items.values():  # no names, no case
        assert not {"issued_by", "answered_by", "case_id"} & item.keys()
    hidden = await stack["routing"].get(
        "/v1/recommendations", params={"unit_code": UNIT, "state": "open"}
    )
    assert hidden.status_code == 401
    overdue = await stack["routing"].get(
        "/v1/recommendations", params={"unit_code": UNIT, "state": "overdue"}
    )
    assert [r["id"] for r in overdue.json()["items"]] == [second.json()["id"]]

    counts = {"received": 2, "answered": 1, "answered_on_time": 1, "accepted": 1, "partly": 0,
              "rejected": 0, "overdue": 1}  # fmt: skip
    for unit in (UNIT, "20"):  # the commune, and its province's roll-up
        figures = await stack["routing"].get(f"/v1/stats/units/{unit}")  # public, no token
        assert figures.json()["recommendations"] == counts, unit
    report = (await stack["routing"].get(f"/v1/reports/units/{UNIT}")).json()
    assert report["recommendations"] == counts
    elsewhere = await stack["routing"].get("/v1/stats/units/06364")
    assert elsewhere.json()["recommendations"]["received"] == 0

    closed = await stack["routing"].post(
        f"/v1/supervisions/{sup_id}/close", json={"report": "Báo cáo kết quả giám sát"},
        headers=board(stack),
    )  # fmt: skip
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    late_note = await stack["routing"].post(
        f"/v1/supervisions/{sup_id}/entries", json={"kind": "note", "text": "x"},
        headers=board(stack),
    )  # fmt: skip
    assert late_note.status_code == 409

    types = [e.type for e in await outbox_events(stack, sup_id)]
    assert types == [
        "supervision.opened", "supervision.information_requested",
        "supervision.information_given", "supervision.recommended", "supervision.recommended",
        "recommendation.answered", "supervision.closed",
    ]  # fmt: skip
    async with stack.database("routing").sessions() as session:
        trail = await session.scalars(
            select(SupervisionStep.action)
            .where(SupervisionStep.supervision_id == uuid.UUID(sup_id))
            .order_by(SupervisionStep.id)
        )
        assert list(trail) == [
            "opened", "info_request", "info_answered", "recommended", "recommended", "answered",
            "closed",
        ]  # fmt: skip
    listed = await stack["routing"].get(
        "/v1/supervisions", params={"unit_code": UNIT}, headers=board(stack)
    )
    assert [s["id"] for s in listed.json()["items"]] == [sup_id]


async def test_denunciations_in_a_supervision_by_count_and_status_only(stack: Stack) -> None:
    denounced = await routed_case(stack, **DENUNCIATION)
    complaint = await routed_case(stack, **COMPLAINT)
    opened = await open_supervision(stack, scope={"case_ids": [denounced["id"], complaint["id"]]})
    seen = await supervision(stack, opened["id"])
    assert [c["id"] for c in seen["cases"]["items"]] == [complaint["id"]]
    assert seen["cases"]["denunciations"] == {"count": 1, "by_status": {"routed": 1}}
    # The board may name a case in its scope; it never gets the denunciation's row back.
    assert denounced["id"] not in str(seen["cases"])
    assert denounced["tracking_code"] not in str(seen)
    for secret in (DENUNCIATION["title"], DENUNCIATION["description"], "Trần Thị Bình"):
        assert secret not in str(seen)
    # A recommendation on the denunciation is about its timing; the public never sees which.
    rec = await recommend(stack, opened["id"], case_id=denounced["id"])
    assert rec.status_code == 201, rec.text


async def test_notification_times_the_recommendation_and_routing_keeps_its_due_date(
    stack: Stack,
) -> None:
    opened = await open_supervision(stack)
    rec = (await recommend(stack, opened["id"])).json()
    # The recommendation's clock, by its id; routing keeps its deadline and due date.
    running = await wait_until(
        lambda: clock_state(stack, rec["id"], "running"), what="the response clock kept"
    )
    assert running["step"] == "answer_recommendation"
    answer = await stack["routing"].post(
        f"/v1/recommendations/{rec['id']}/answer",
        json={"outcome": "partly", "text": "Tiếp thu một phần"}, headers=head(stack),
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    await wait_until(lambda: clock_state(stack, rec["id"], "met"), what="the clock met")


async def test_a_resident_writes_to_the_board_from_the_case(stack: Stack) -> None:
    case = await routed_case(stack)
    token = {"X-Case-Token": case["access_token"]}
    text_ = "Đã quá hạn mà xã chưa trả lời phản ánh của tôi"
    sent = await stack["intake"].post(
        f"/v1/cases/{case['tracking_code']}/messages", json={"text": text_, "to": "board"},
        headers=token,
    )  # fmt: skip
    assert sent.status_code == 201, sent.text

    async def queued() -> list[dict[str, Any]] | None:
        answer = await stack["routing"].get(f"/v1/boards/{UNIT}/messages", headers=board(stack))
        return answer.json()["items"] or None

    (message,) = await wait_until(queued, what="the message in the board's queue")
    assert (message["text"], message["case_id"]) == (text_, case["id"])
    conversation = await stack["routing"].get(
        f"/v1/cases/{case['id']}/messages", headers=stack.auth(unit=UNIT)
    )
    assert text_ not in conversation.text  # the board's, not the officials' conversation
    for other in (board(stack, "00070"), stack.auth(unit=UNIT), head(stack)):
        refused = await stack["routing"].get(f"/v1/boards/{UNIT}/messages", headers=other)
        assert refused.status_code == 403


async def test_the_boards_audit_trail_refuses_updates_and_deletes(stack: Stack) -> None:
    await open_supervision(stack)
    for statement in (
        "UPDATE supervision_history SET actor = 'x'",
        "DELETE FROM supervision_history",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with stack.database("routing").transaction() as session:
                await session.execute(text(statement))
    assert await stack.scalar("routing", "SELECT count(*) FROM supervision_history") == 1


async def test_intake_passes_over_a_recommendations_clock(stack: Stack) -> None:
    """Notification's deadline.set for a recommendation is keyed by its id, no case's:
    intake's consumer records it as handled, instead of retrying and dead-lettering it."""
    opened = await open_supervision(stack)
    rec = (await recommend(stack, opened["id"])).json()
    await wait_until(lambda: clock_state(stack, rec["id"], "running"), what="the clock kept")
    outbox = SERVICES["notification"].definition.messaging.outbox
    async with stack.database("notification").sessions() as session:
        announced = set(
            await session.scalars(select(outbox.c.event_id).where(outbox.c.key == rec["id"]))
        )
    assert announced
    processed = SERVICES["intake"].definition.messaging.processed

    async def handled() -> bool:
        async with stack.database("intake").sessions() as session:
            done = set(await session.scalars(select(processed.c.event_id)))
        return announced <= done

    await wait_until(handled, what="intake passing over the recommendation's clock")
