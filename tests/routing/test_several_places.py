"""A denunciation checked in several places gets 10 working days to classify instead of 7
(Luật Tố cáo 2018 Điều 24): a routing step marks it, with the reason, within the first 7."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.auth import Role
from shared.events import DEADLINE_SET, DeadlineSet, new_event
from tests.routing.test_workflow_machine import COMPLAINT
from tests.routing.test_workflow_rules import DENUNCIATION
from tests.support.routing_workflow import outbox_events, publish, routed_case, step, view
from tests.support.stack import Stack, wait_until

REASON = {"reason": "Phải xác minh tại xã Cai Kinh và xã Vũ Lễ"}


async def test_marking_several_places_lengthens_the_classification(stack: Stack) -> None:
    case = await routed_case(stack, **DENUNCIATION)
    admin = stack.auth(role=Role.admin, unit=None)

    async def classify() -> dict[str, Any] | None:
        answer = await stack["notification"].get(f"/v1/cases/{case['id']}/deadlines", headers=admin)
        items = [d for d in answer.json()["items"] if d["step"] == "classify"]
        return items[0] if items else None

    before = await wait_until(classify, what="the classification clock")
    marked = await step(stack, case["id"], "several-places", REASON)
    assert marked.status_code == 200, marked.text
    event = (await outbox_events(stack, case["id"]))[-1]
    assert event.type == "case.extended" and event.data["complexity"] == "several_places"
    assert event.data["public_note"] is None  # a denunciation's content stays inside

    async def lengthened() -> dict[str, Any] | None:
        d = await classify()
        return d if d and d["complexity"] == "several_places" else None

    after = await wait_until(lengthened, what="the classification clock recomputed")
    assert after["starts_on"] == before["starts_on"] and after["due_on"] > before["due_on"]
    # The same as the public calculator gives for 10 working days from the same day.
    preview = await stack["notification"].get(
        "/v1/deadlines/preview",
        params={"kind": "denunciation", "step": "classify", "received": after["starts_on"],
                "complexity": "several_places"},
    )  # fmt: skip
    assert preview.json()["duration"] == 10 and preview.json()["due_on"] == after["due_on"]
    assert [h["change"] for h in after["history"]][-1] == "extended"
    again = await step(stack, case["id"], "several-places", REASON)
    assert again.status_code == 409


async def test_it_is_marked_within_the_seven_days_and_for_denunciations(
    stack_factory: Any,
) -> None:
    async with stack_factory(services=("intake", "routing")) as stack:
        complaint = await routed_case(stack, **COMPLAINT)
        refused = await step(stack, complaint["id"], "several-places", REASON)
        assert refused.status_code == 409 and "Điều 24" in refused.json()["rule"]

        late = await routed_case(stack, **DENUNCIATION)
        passed = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        data = DeadlineSet(
            deadline_id=uuid.uuid4(), kind="classify", unit_code="06427",
            starts_on=(passed - timedelta(days=9)).date().isoformat(), due_at=passed,
            basis="Luật Tố cáo 2018, Điều 24", state="breached",
        )  # fmt: skip
        case_id = uuid.UUID(late["id"])
        await publish(
            stack, new_event(DEADLINE_SET, source="notification", case_id=case_id, data=data)
        )

        async def known() -> bool:
            return (await view(stack, late["id"]))["status"] == "routed" and bool(
                await stack.count("routing", "case_clocks", kind="classify")
            )

        await wait_until(known, what="the passed classification clock known to routing")
        too_late = await step(stack, late["id"], "several-places", REASON)
        assert too_late.status_code == 409 and "7 working days" in too_late.json()["detail"]
