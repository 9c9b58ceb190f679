"""A unit's period report (citizens received, dialogues held, cases by kind and category),
in JSON and CSV, against a hand-counted fixture; a province's covers its communes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.routing.test_reception_calendar import DIALOGUE_REQUEST, SESSION
from tests.routing.test_unit_stats import dated
from tests.routing.test_workflow_machine import COMPLAINT
from tests.support.routing_workflow import routed_case, step
from tests.support.stack import Stack

NOW = datetime.now(UTC).replace(microsecond=0)
MINUTES = {
    "held_at": NOW.isoformat(),
    "participants": ["Chủ tịch UBND xã", "Công dân"],
    "outcome": "Đã trao đổi, thống nhất hướng giải quyết",
}
ZERO = {"accepted": 0, "rejected": 0, "withdrawn": 0, "resolved": 0, "resolved_on_time": 0}


def row(kind: str, category: str | None, received: int, **figures: int) -> dict[str, Any]:
    return {"kind": kind, "category": category, "received": received, **ZERO, **figures}


async def test_a_communes_report_and_its_provinces(stack: Stack) -> None:
    answered = await routed_case(stack, kind="petition", category="transport")
    await routed_case(stack, kind="feedback", category="environment")
    refused = await routed_case(stack, **COMPLAINT, category="land")
    heard = await routed_case(stack, **COMPLAINT, category="land")
    received = await routed_case(stack, **DIALOGUE_REQUEST, category="administrative_procedures")
    moved = await routed_case(stack, kind="feedback", category="transport")

    for case in (answered, heard):
        await dated(stack, case["id"])
        assert (await step(stack, case["id"], "accept")).status_code == 200
    resolved = await step(stack, answered["id"], "resolve", {"summary": "Đã sửa mặt đường"})
    assert resolved.status_code == 200
    assert (await step(stack, refused["id"], "reject", {"reason": "KN11.6"})).status_code == 200
    transfer = {"to_unit_code": "06364", "reason": "Thuộc địa bàn Xã Vũ Lễ"}
    assert (await step(stack, moved["id"], "transfer", transfer)).status_code == 200
    # A dialogue with the complainant, and a citizen received at a reception session.
    # (In 3 days: sooner than the 5 days' notice, so with the citizen's agreement.)
    dialogue = {"session": "dialogue", "starts_at": (NOW + timedelta(days=3)).isoformat(),
                "place": "Hội trường UBND xã", "citizen_agreed": True}  # fmt: skip
    for case, booking in ((heard, dialogue), (received, None)):
        if booking is None:
            created = await stack["routing"].post(
                "/v1/units/06427/reception-sessions", json=SESSION, headers=stack.auth()
            )
            booking = {"reception_session_id": created.json()["id"]}
        scheduled = await step(stack, case["id"], "dialogues", booking)
        assert scheduled.status_code == 200, scheduled.text
        minutes = f"dialogues/{scheduled.json()['dialogue_id']}/minutes"
        assert (await step(stack, case["id"], minutes, MINUTES)).status_code == 200

    commune = await stack["routing"].get("/v1/reports/units/06427")  # public
    assert commune.status_code == 200, commune.text
    report = commune.json()
    assert report["scope"] == "unit"
    assert (report["citizens_received"], report["reception_sessions_held"]) == (1, 1)
    assert report["dialogues_held"] == 1
    assert report["by_kind_and_category"] == [
        row("complaint", "land", 2, accepted=1, rejected=1),
        row("dialogue_request", "administrative_procedures", 1),
        row("feedback", "environment", 1),
        row("petition", "transport", 1, accepted=1, resolved=1, resolved_on_time=1),
    ]
    assert report["totals"] == {"received": 5, **ZERO, "accepted": 2, "rejected": 1,
                                "resolved": 1, "resolved_on_time": 1}  # fmt: skip

    province = (await stack["routing"].get("/v1/reports/units/20")).json()
    assert province["scope"] == "province"
    assert province["totals"]["received"] == 6  # the transferred feedback is still in Lạng Sơn
    assert row("feedback", "transport", 1) in province["by_kind_and_category"]
    assert province["citizens_received"] == 1 and province["dialogues_held"] == 1

    sheet = await stack["routing"].get("/v1/reports/units/06427?format=csv")
    assert sheet.headers["content-type"].startswith("text/csv")
    assert "attachment" in sheet.headers["content-disposition"]
    assert sheet.content.startswith("\ufeff".encode())  # spreadsheets read it as UTF-8
    lines = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert lines[0] == ["kind", "category", "received", "accepted", "rejected", "withdrawn",
                        "resolved", "resolved_on_time"]  # fmt: skip
    assert lines[4] == ["petition", "transport", "1", "1", "0", "0", "1", "1"]
    assert lines[5] == ["total", "", "5", "2", "1", "0", "1", "1"]
    assert ["citizens_received", "", "1"] in lines and ["dialogues_held", "", "1"] in lines

    elsewhere = (await stack["routing"].get("/v1/reports/units/01")).json()
    assert elsewhere["totals"]["received"] == 0 and elsewhere["citizens_received"] == 0
    last_year = await stack["routing"].get("/v1/reports/units/06427?from=2025-01-01&to=2025-12-31")
    assert last_year.json()["by_kind_and_category"] == []
    assert (await stack["routing"].get("/v1/reports/units/XX")).status_code == 404
    wrong = await stack["routing"].get("/v1/reports/units/06427?format=pdf")
    assert wrong.status_code == 422
