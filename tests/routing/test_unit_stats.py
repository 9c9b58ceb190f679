"""Each unit's public figures, and the province's roll-up of its communes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.events import CASE_RATED, CaseRated
from tests.routing.test_queues import set_due
from tests.routing.test_workflow_machine import COMPLAINT
from tests.support.routing_workflow import publish_as_intake, routed_case, step, view
from tests.support.stack import Stack, wait_until


async def dated(stack: Stack, case_id: str) -> None:
    async def probe() -> bool:
        return (await view(stack, case_id))["due_at"] is not None

    await wait_until(probe, what=f"{case_id} dated by notification", within=20)


async def test_a_communes_figures_and_its_provinces_roll_up(stack: Stack) -> None:
    answered, rejected, moved, late, rated = (
        await routed_case(stack),
        await routed_case(stack, **COMPLAINT),
        await routed_case(stack),
        await routed_case(stack),
        await routed_case(stack),
    )
    for case in (answered, rated):
        await dated(stack, case["id"])
        assert (await step(stack, case["id"], "accept")).status_code == 200
        body = {"summary": "Đã sửa đèn đường"}
        assert (await step(stack, case["id"], "resolve", body)).status_code == 200
    assert (await step(stack, rejected["id"], "reject", {"reason": "KN11.6"})).status_code == 200
    transfer = {"to_unit_code": "06364", "reason": "Thuộc địa bàn Xã Vũ Lễ"}
    assert (await step(stack, moved["id"], "transfer", transfer)).status_code == 200
    await set_due(
        stack, late["id"], "answer", datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    )
    await publish_as_intake(stack, rated["id"], CASE_RATED, CaseRated(score=4, comment="Tốt"))

    async def rating_in() -> bool:
        return (await view(stack, rated["id"]))["rating_score"] == 4

    await wait_until(rating_in, what="the rating recorded")

    commune = await stack["routing"].get("/v1/stats/units/06427")  # public, no token
    assert commune.status_code == 200, commune.text
    figures = commune.json()["figures"]
    assert figures | {"median_days_to_resolve": None} == {
        "received": 4,
        "accepted": 2,
        "rejected": 1,
        "transferred": 1,
        "resolved": 2,
        "resolved_on_time": 2,
        "overdue": 1,
        "median_days_to_resolve": None,
        "mean_rating": 4.0,
        "ratings": 1,
    }
    assert 0 <= figures["median_days_to_resolve"] < 0.1

    province = (await stack["routing"].get("/v1/stats/units/20")).json()
    assert province["scope"] == "province"
    assert province["figures"]["received"] == 5 and province["figures"]["transferred"] == 0
    assert {u["unit_code"]: u["received"] for u in province["by_unit"]} == {
        "06364": 1,
        "06427": 4,
    }
    elsewhere = (await stack["routing"].get("/v1/stats/units/01")).json()
    assert elsewhere["figures"]["received"] == 0
    assert elsewhere["figures"]["median_days_to_resolve"] is None
    last_year = await stack["routing"].get("/v1/stats/units/06427?from=2025-01-01&to=2025-12-31")
    assert last_year.json()["figures"]["received"] == 0
    backwards = await stack["routing"].get("/v1/stats/units/06427?from=2026-02-01&to=2026-01-01")
    assert backwards.status_code == 422
