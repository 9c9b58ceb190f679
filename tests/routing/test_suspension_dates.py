"""A suspension and the decision to continue carry their decisions' dates, as entered: the
clocks stop and run again from them (Luật Tố cáo 2018 Điều 34), not from when the command
arrived."""

from __future__ import annotations

from datetime import date, timedelta

from tests.routing.test_workflow_machine import COMPLAINT, TODAY
from tests.support.routing_workflow import outbox_events, routed_case, step
from tests.support.stack import Stack


async def test_the_decisions_dates_travel_with_the_steps(stack: Stack) -> None:
    case = await routed_case(stack, **COMPLAINT)
    assert (await step(stack, case["id"], "accept")).status_code == 200
    tomorrow = (date.fromisoformat(TODAY) + timedelta(days=1)).isoformat()
    body = {"reason": "Chờ kết quả giám định", "decision_ref": "3/QĐ-TĐC"}
    undated = await step(stack, case["id"], "suspend", body)
    assert undated.status_code == 422 and undated.json()["errors"][0]["loc"] == ["decided_on"]
    future = await step(stack, case["id"], "suspend", body | {"decided_on": tomorrow})
    assert future.status_code == 422 and future.json()["errors"][0]["loc"] == ["decided_on"]
    assert (
        await step(stack, case["id"], "suspend", body | {"decided_on": TODAY})
    ).status_code == 200
    no_date = await step(stack, case["id"], "resume", {"decision_ref": "4/QĐ"})
    assert no_date.status_code == 422 and no_date.json()["errors"][0]["loc"] == ["decided_on"]
    resumed = await step(stack, case["id"], "resume", {"decision_ref": "4/QĐ", "decided_on": TODAY})
    assert resumed.status_code == 200
    suspended, continued = (await outbox_events(stack, case["id"]))[-2:]
    assert suspended.type == "case.suspended" and suspended.data["suspended_on"] == TODAY
    assert continued.type == "case.resumed" and continued.data["resumed_on"] == TODAY
