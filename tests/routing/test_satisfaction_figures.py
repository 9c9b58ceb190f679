"""The satisfaction index in a unit's public figures, from a hand-counted fixture.

Xã Cai Kinh (06427): feedback rated 5, 4 and 2, a petition rated 4; Xã Vũ Lễ (06364):
feedback rated 1. Commune: 3 of 4 satisfied; by kind, feedback 2 of 3, petition 1 of 1;
Lạng Sơn (20): 3 of 5. Each is below the 30 ratings the index needs: shown with its
counts, no index, never ranked (the interval is checked in test_satisfaction_index.py).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from shared.dates import LOCAL_TZ
from shared.events import CASE_RATED, CaseRated
from tests.routing.test_unit_stats import dated
from tests.support.routing_workflow import admin, publish_as_intake, routed_case, step, view
from tests.support.stack import Stack, wait_until


def too_few(satisfied: int, ratings: int) -> dict[str, Any]:
    return {"index": None, "low": None, "high": None, "ratings": ratings,
            "satisfied": satisfied, "too_few": True, "min_ratings": 30}  # fmt: skip


async def rate(stack: Stack, case: dict[str, Any], score: int) -> None:
    await publish_as_intake(stack, case["id"], CASE_RATED, CaseRated(score=score, comment=None))

    async def recorded() -> bool:
        return (await view(stack, case["id"]))["rating_score"] == score

    await wait_until(recorded, what=f"the rating {score} recorded")


async def resolved(stack: Stack, **submit: Any) -> dict[str, Any]:
    case = await routed_case(stack, **submit)
    await dated(stack, case["id"])
    assert (await step(stack, case["id"], "accept", headers=admin(stack))).status_code == 200
    body = {"summary": "Đã xử lý"}
    answer = await step(stack, case["id"], "resolve", body, headers=admin(stack))
    assert answer.status_code == 200, answer.text
    return case


async def test_the_satisfaction_index_counts_ratings_of_4_and_5(stack: Stack) -> None:
    scores = [(await resolved(stack), 5), (await resolved(stack), 4)]
    scores += [(await resolved(stack), 2), (await resolved(stack, kind="petition"), 4)]
    other = await resolved(stack, location={"unit_code": "06364"})
    await resolved(stack)  # not rated: not counted
    for case, score in [*scores, (other, 1)]:
        await rate(stack, case, score)

    commune = (await stack["routing"].get("/v1/stats/units/06427")).json()
    assert commune["satisfaction"] == too_few(3, 4)
    assert commune["satisfaction_by_kind"] == [
        too_few(2, 3) | {"kind": "feedback"},
        too_few(1, 1) | {"kind": "petition"},
    ]
    month = datetime.now(LOCAL_TZ).strftime("%Y-%m")  # every fixture case was received this month
    assert commune["satisfaction_by_month"] == [too_few(3, 4) | {"month": month}]
    province = (await stack["routing"].get("/v1/stats/units/20")).json()
    assert province["satisfaction"] == too_few(3, 5)
    assert {u["unit_code"]: u["satisfaction"] for u in province["by_unit"]} == {
        "06364": too_few(0, 1),
        "06427": too_few(3, 4),
    }
    report = (await stack["routing"].get("/v1/reports/units/06427")).json()
    assert report["satisfaction"] == too_few(3, 4)
    assert [k["kind"] for k in report["satisfaction_by_kind"]] == ["feedback", "petition"]
    assert report["satisfaction_by_month"] == [too_few(3, 4) | {"month": month}]
    sheet = await stack["routing"].get("/v1/reports/units/06427?format=csv")
    lines = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert ["satisfaction_ratings", "", "4"] in lines and ["satisfaction_index", "", ""] in lines
