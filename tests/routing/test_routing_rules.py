"""Routing rules as data: ordered, versioned by effective date, explained; no match → fallback."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from services.routing.rules.engine import decide
from services.routing.rules.repository import builtin, save, today
from services.routing.rules.schemas import CaseDraft, RuleSetWrite
from services.routing.units.registry import UnitRegistry
from shared.auth import Role
from shared.geography import AdminMap
from tests.support.routing_workflow import admin, routed_case
from tests.support.stack import Stack


async def explain(stack: Stack, **draft: Any) -> dict[str, Any]:
    answer = await stack["routing"].post("/v1/routing/explain", json=draft)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


@pytest.fixture(scope="module")
def units() -> UnitRegistry:
    return UnitRegistry.load(AdminMap.load())


BUILTIN_CASES = [
    # (draft, unit, rule)
    ({"kind": "feedback", "location": {"unit_code": "06427"}}, "06427", "place.commune"),
    (
        {"kind": "petition", "category": "construction", "location": {"unit_code": "20"}},
        "SXD20",
        "field.department",
    ),
    (
        {"kind": "petition", "category": "health", "location": {"unit_code": "20"}},
        "20",
        "place.province",
    ),
    (
        {
            "kind": "denunciation",
            "location": {"unit_code": "06427"},
            "target": {"unit_code": "06427", "person": "Phó Chủ tịch UBND xã"},
        },
        "20",
        "denunciation.head.superior",
    ),
    (
        {
            "kind": "denunciation",
            "location": {"unit_code": "06427"},
            "target": {"unit_code": "06427", "person": "Cán bộ địa chính xã"},
        },
        "06427",
        "denunciation.managing.body",
    ),
    (
        {"kind": "complaint", "location": {"unit_code": "06427"}, "target": {"unit_code": "20"}},
        "20",
        "complaint.deciding.body",
    ),
    ({"kind": "feedback", "location": {"unit_code": "99999"}}, "UNROUTED", "fallback"),
]


def test_the_builtin_rules_in_their_order() -> None:
    assert [r.id for r in builtin().rules][:3] == [
        "denunciation.head.superior",
        "denunciation.managing.body",
        "complaint.deciding.body",
    ]
    assert builtin().version == 0


@pytest.mark.parametrize(("draft", "unit", "rule"), BUILTIN_CASES, ids=lambda v: str(v)[:40])
def test_the_builtin_rules_decide_who_handles_what(
    units: UnitRegistry, draft: dict[str, Any], unit: str, rule: str
) -> None:
    """The rules engine alone, without a stack: the first matching rule decides, and says
    why in words with no unfilled blank."""
    decision = decide(builtin(), CaseDraft.model_validate(draft), units)
    assert (decision.unit_code, decision.rule) == (unit, rule)
    assert decision.reason and "?" not in decision.reason, decision


async def test_the_explain_endpoint_answers_with_the_decision_in_words(stack: Stack) -> None:
    rules = (await stack["routing"].get("/v1/routing/rules")).json()
    assert rules["version"] == 0 and rules["rules"][0]["id"] == "denunciation.head.superior"
    commune = await explain(stack, kind="feedback", location={"unit_code": "06427"})
    assert (commune["unit_code"], commune["rule"]) == ("06427", "place.commune")
    assert "Xã Cai Kinh" in commune["reason"] and commune["unit_name"] == "UBND Xã Cai Kinh"


async def test_admins_publish_new_versions_in_force_from_their_date(stack: Stack) -> None:
    new_rules = {
        "effective_from": (today() + timedelta(days=30)).isoformat(),
        "rules": [
            {
                "id": "all.to.inspectorate",
                "kinds": ["feedback"],
                "route_to": "unit",
                "unit_code": "TT20",
                "reason": "mọi phản ánh về {unit}",
            }
        ],
    }
    put = stack["routing"].put
    official = stack.auth(role=Role.official, unit="06427")
    assert (await put("/v1/routing/rules", json=new_rules, headers=official)).status_code == 403
    assert (await put("/v1/routing/rules", json=new_rules)).status_code == 401
    wrong = {**new_rules, "rules": [{**new_rules["rules"][0], "unit_code": "NOPE"}]}
    bad = await put("/v1/routing/rules", json=wrong, headers=admin(stack))
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["rules", 0, "unit_code"]

    saved = await put("/v1/routing/rules", json=new_rules, headers=admin(stack))
    assert saved.status_code == 200 and saved.json()["version"] == 1
    # Not yet in force today; in force for a case received from its date.
    now = await explain(stack, kind="feedback", location={"unit_code": "06427"})
    assert (now["rule"], now["rules_version"]) == ("place.commune", 0)
    later = await explain(
        stack,
        kind="feedback",
        location={"unit_code": "06427"},
        received_on=new_rules["effective_from"],
    )
    assert (later["unit_code"], later["rule"], later["rules_version"]) == (
        "TT20",
        "all.to.inspectorate",
        1,
    )
    at = await stack["routing"].get(f"/v1/routing/rules?at={new_rules['effective_from']}")
    assert at.json()["version"] == 1


async def test_a_version_published_through_another_replica_routes_the_next_case(
    stack: Stack,
) -> None:
    """Routing keeps the rules it found in force and does not read them for every case: a
    version published meanwhile, by a replica that cannot tell this one, still decides the
    next case (and the cases routed before keep the rules that routed them)."""
    before = await routed_case(stack)
    rules = RuleSetWrite.model_validate(
        {
            "effective_from": today().isoformat(),
            "rules": [{"id": "all.to.inspectorate", "kinds": ["feedback"], "route_to": "unit",
                       "unit_code": "TT20", "reason": "mọi phản ánh về {unit}"}],
        }
    )  # fmt: skip
    async with stack.database("routing").transaction() as session:  # another replica's write
        assert (await save(session, rules, by="admin")).version == 1
    after = await routed_case(stack)
    cases = [
        (await stack["routing"].get(f"/v1/cases/{case['id']}", headers=admin(stack))).json()
        for case in (before, after)
    ]
    assert [(case["unit_code"], case["rule"]) for case in cases] == [
        ("06427", "place.commune"),
        ("TT20", "all.to.inspectorate"),
    ]


async def test_a_case_no_rule_fits_goes_to_the_fallback_queue_and_is_counted(stack: Stack) -> None:
    only_complaints = {
        "effective_from": today().isoformat(),
        "rules": [{"id": "complaints.only", "kinds": ["complaint"], "route_to": "target_body",
                   "reason": "khiếu nại {target}"}],
    }  # fmt: skip
    saved = await stack["routing"].put(
        "/v1/routing/rules", json=only_complaints, headers=admin(stack)
    )
    assert saved.status_code == 200
    case = await routed_case(stack)
    seen = (await stack["routing"].get(f"/v1/cases/{case['id']}", headers=admin(stack))).json()
    assert (seen["unit_code"], seen["rule"]) == ("UNROUTED", "fallback")
    queue = await stack["routing"].get("/v1/queues/UNROUTED", headers=admin(stack))
    assert [i["id"] for i in queue.json()["items"]] == [case["id"]]
    metrics = (await stack["routing"].get("/metrics")).text
    assert 'tiepdan_routing_fallback_total{kind="feedback"} 1.0' in metrics
    # An administrator sends it on by hand.
    moved = await stack["routing"].post(
        f"/v1/cases/{case['id']}/transfer",
        json={"to_unit_code": "06427", "reason": "Địa bàn Xã Cai Kinh"},
        headers=admin(stack),
    )
    assert moved.status_code == 200 and moved.json()["unit_code"] == "06427"
