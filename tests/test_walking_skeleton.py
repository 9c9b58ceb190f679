"""A submission travels intake → routing → notification → intake, in both run modes."""

from __future__ import annotations

import asyncio
from datetime import datetime

from tests.support.stack import Stack


async def test_a_feedback_is_routed_to_its_commune_with_the_answer_deadline(stack: Stack) -> None:
    created = await stack.submit()
    assert created["status"] == "submitted"
    assert len(created["access_token"]) >= 40

    view = await stack.wait_routed(created["tracking_code"])

    assert view["unit"] == {"code": "06427", "name": "UBND Xã Cai Kinh"}
    [deadline] = view["deadlines"]
    assert deadline["kind"] == "answer"
    assert deadline["basis"] == "Luật Tiếp công dân 2013, Điều 28"
    assert deadline["state"] == "running"
    assert [step["status"] for step in view["timeline"]] == ["submitted", "routed"]
    # Submitted on a known day → due at the end of the 10th working day after it.
    submitted = datetime.fromisoformat(created["submitted_at"])
    due = datetime.fromisoformat(deadline["due_at"])
    assert due > submitted


async def test_the_answer_deadline_counts_ten_working_days_from_the_local_day(stack: Stack) -> None:
    created = await stack.submit(kind="petition")
    await stack.wait_routed(created["tracking_code"])
    # The notification service's own record names the policy and the days it counted.
    response = await stack["notification"].get(
        f"/v1/cases/{created['id']}/deadlines", headers=stack.auth(unit="06427")
    )
    assert response.status_code == 200, response.text
    [deadline] = response.json()["items"]
    calendar = stack.context("notification").calendar
    starts_on = datetime.fromisoformat(deadline["starts_on"]).date()
    due_on = datetime.fromisoformat(deadline["due_on"]).date()
    assert len(calendar.working_days_between(starts_on, due_on)) == 10
    assert calendar.is_working_day(due_on)
    assert deadline["due_at"].startswith(deadline["due_on"])  # end of the local day


async def test_the_routing_decision_is_in_the_cases_history(stack: Stack) -> None:
    created = await stack.submit()
    await stack.wait_routed(created["tracking_code"])
    history = await stack["routing"].get(
        f"/v1/cases/{created['id']}/history", headers=stack.auth(unit="06427")
    )
    assert history.status_code == 200
    [step] = history.json()["items"]
    assert step["step"] == "routed"
    assert step["actor"] == "system:routing"
    assert step["data"]["rule"] == "place.commune"
    assert "Xã Cai Kinh" in step["reason"]


async def test_an_idempotent_retry_gets_the_first_answer_and_files_nothing_new(
    stack: Stack,
) -> None:
    body = {
        "kind": "petition",
        "title": "Đề nghị làm lại cầu treo",
        "description": "Cầu hỏng.",
        "location": {"unit_code": "06427"},
    }
    headers = {"Idempotency-Key": "retry-7f3a"}
    first = await stack["intake"].post("/v1/cases", json=body, headers=headers)
    again = await stack["intake"].post("/v1/cases", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()

    other = await stack["intake"].post(
        "/v1/cases", json={**body, "title": "Một đề nghị khác"}, headers=headers
    )
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert await stack.scalar("intake", "SELECT count(*) FROM cases") == 1


async def test_concurrent_retries_of_one_key_file_one_case(stack: Stack) -> None:
    body = {
        "kind": "feedback",
        "title": "Rác thải",
        "description": "Bãi rác tự phát.",
        "location": {"unit_code": "06427"},
    }
    answers = await asyncio.gather(
        *(
            stack["intake"].post("/v1/cases", json=body, headers={"Idempotency-Key": "race-1"})
            for _ in range(8)
        )
    )
    created = [a for a in answers if a.status_code == 201]
    # A retry that races the first either gets its answer, or a 409 "still being processed".
    assert all(a.status_code in (201, 409) for a in answers), [a.text for a in answers]
    assert len({a.json()["tracking_code"] for a in created}) == 1
    assert await stack.scalar("intake", "SELECT count(*) FROM cases") == 1
    assert await stack.scalar("intake", "SELECT count(*) FROM outbox") == 1
