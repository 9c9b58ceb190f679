"""GET /v1/deadlines/preview: public, with the administrators' calendar and policy corrections."""

from __future__ import annotations

from typing import Any

from shared.auth import Role
from tests.support.stack import Stack

ADMIN: dict[str, Any] = {"role": Role.admin, "unit": None}
# A complaint received Tue 2 Feb 2027, before Tết (Thu 4 - Wed 10 Feb): Điều 27 as amended,
# 7 working days: 3 | 11, 12 | 15, 16, 17, 18 Feb.
ACCEPT = {"kind": "complaint", "step": "accept", "received": "2027-02-02"}


async def test_the_calculator_is_public_and_follows_the_calendar_corrections(stack: Stack) -> None:
    client, admin = stack["notification"], stack.auth(**ADMIN)
    first = await client.get("/v1/deadlines/preview", params=ACCEPT)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["policy_id"] == "complaint.accept.2026"
    assert (body["duration"], body["unit"], body["start"]) == (7, "working_days", "2027-02-02")
    assert body["due_on"] == "2027-02-18"
    assert body["due_at"].startswith("2027-02-18T23:59:59") and body["due_at"].endswith("+07:00")
    assert body["law"].startswith("Luật Khiếu nại") and body["article"] == "Điều 27"
    assert body["effective_from"] == "2026-07-01"
    assert "2027-02-08" in body["skipped"] and "18/02/2027" in body["explanation"]

    # The government declares Mon 15 Feb 2027 a day off: the same question now ends Fri 19 Feb.
    put = await client.put(
        "/v1/calendar/overrides/2027-02-15",
        headers=admin,
        json={"working": False, "reason": "Thông báo lịch nghỉ Tết 2027"},
    )
    assert put.status_code == 200, put.text
    moved = (await client.get("/v1/deadlines/preview", params=ACCEPT)).json()
    assert moved["due_on"] == "2027-02-19" and "2027-02-15" in moved["skipped"]


async def test_the_calculator_uses_a_corrected_policy(stack: Stack) -> None:
    client, admin = stack["notification"], stack.auth(**ADMIN)
    policies = (await client.get("/v1/policies")).json()["items"]
    target = next(p for p in policies if p["id"] == "complaint.accept.2026")
    corrected = {**{k: v for k, v in target.items() if k != "overridden"}, "duration": 10}
    put = await client.put(
        "/v1/policies/complaint.accept.2026",
        headers=admin,
        json={"policy": corrected, "reason": "Công báo: 10 ngày làm việc"},
    )
    assert put.status_code == 200, put.text
    body = (await client.get("/v1/deadlines/preview", params=ACCEPT)).json()
    # 3 | 11, 12 | 15..19 | 22, 23 Feb.
    assert (body["duration"], body["due_on"]) == (10, "2027-02-23")


async def test_an_uncovered_combination_is_a_problem_naming_the_parameter(stack: Stack) -> None:
    client = stack["notification"]
    cases = [
        ({**ACCEPT, "kind": "petition", "step": "answer", "attempt": "second"}, "attempt"),
        ({**ACCEPT, "step": "classify"}, "step"),
        ({**ACCEPT, "received": "2010-01-04"}, "received"),
        ({**ACCEPT, "step": "resolve", "complexity": "complex", "extensions": "2"}, "extensions"),
        ({**ACCEPT, "kind": "letter"}, "kind"),
        ({**ACCEPT, "step": "send_decision"}, "step"),
        ({**ACCEPT, "received": "2027-02-30"}, "received"),
    ]
    for params, param in cases:
        answer = await client.get("/v1/deadlines/preview", params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["loc"] == ["query", param], answer.text
