"""The law's filing rules, one test per rule per kind, and the same refusals over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from services.intake.cases.rules import check_filing_rules
from services.intake.cases.schemas import CaseCreate
from services.intake.categories.registry import Categories
from shared.errors import Unprocessable
from shared.events import Envelope
from shared.geography import AdminMap
from tests.support.stack import Stack, wait_until
from tests.support.topic import all_events

ADMIN_MAP = AdminMap.load()
CATEGORIES = Categories.load()
NAMED = {"full_name": "Nguyễn Văn An", "phone": "0912 345 678"}
DIALOGUE = {"topic": "Bồi thường giải phóng mặt bằng", "preferred_dates": ["2026-12-03"]}
TARGET = {"person": "Cán bộ địa chính xã"}


def body(kind: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": kind,
        "title": "Tiêu đề",
        "description": "Nội dung.",
        "location": {"unit_code": "06427"},
        "submitter": NAMED,
    }
    if kind == "denunciation":
        base["target"] = TARGET
    if kind == "dialogue_request":
        base["dialogue"] = DIALOGUE
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def refusal(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(Unprocessable) as caught:
        check_filing_rules(CaseCreate.model_validate(raw), ADMIN_MAP, CATEGORIES)
    assert caught.value.errors
    loc: list[str] = caught.value.errors[0]["loc"]
    return loc


ALL_KINDS = ["complaint", "denunciation", "petition", "feedback", "dialogue_request"]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_complete_case_of_each_kind_is_accepted(kind: str) -> None:
    check_filing_rules(CaseCreate.model_validate(body(kind)), ADMIN_MAP, CATEGORIES)


@pytest.mark.parametrize("kind", ["complaint", "denunciation", "dialogue_request"])
def test_these_kinds_refuse_an_anonymous_submitter(kind: str) -> None:
    assert refusal(body(kind, submitter=None)) == ["submitter"]


@pytest.mark.parametrize("kind", ["complaint", "denunciation", "dialogue_request"])
def test_these_kinds_need_a_way_to_reach_the_submitter(kind: str) -> None:
    assert refusal(body(kind, submitter={"full_name": "Nguyễn Văn An"})) == ["submitter"]


@pytest.mark.parametrize("kind", ["petition", "feedback"])
def test_petitions_and_feedback_may_be_anonymous(kind: str) -> None:
    check_filing_rules(CaseCreate.model_validate(body(kind, submitter=None)), ADMIN_MAP, CATEGORIES)


@pytest.mark.parametrize("target", [None, {}], ids=["absent", "empty"])
def test_a_denunciation_needs_a_target(target: dict[str, Any] | None) -> None:
    raw = body("denunciation")
    raw.pop("target")
    if target is not None:
        raw["target"] = target
    assert refusal(raw) == ["target"]


def test_a_complaint_may_name_the_contested_decision() -> None:
    raw = body("complaint", target={"unit_code": "06427", "decision_ref": "QĐ 123/QĐ-UBND"})
    check_filing_rules(CaseCreate.model_validate(raw), ADMIN_MAP, CATEGORIES)


def test_a_complaints_target_unit_must_exist_when_it_is_a_gso_code() -> None:
    assert refusal(body("complaint", target={"unit_code": "99999"})) == ["target", "unit_code"]


def test_a_dialogue_request_needs_its_dialogue() -> None:
    assert refusal(body("dialogue_request", dialogue=None)) == ["dialogue"]


@pytest.mark.parametrize("kind", ["complaint", "denunciation", "petition", "feedback"])
def test_only_a_dialogue_request_carries_a_dialogue(kind: str) -> None:
    assert refusal(body(kind, dialogue=DIALOGUE)) == ["dialogue"]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_an_unknown_category_is_refused(kind: str) -> None:
    assert refusal(body(kind, category="astrology")) == ["category"]


@pytest.mark.parametrize(
    ("kind", "category"),
    [
        ("denunciation", "transport"),
        ("dialogue_request", "health"),
        ("complaint", "public_order"),
        ("petition", "officials_conduct"),
    ],
)
def test_a_category_that_does_not_apply_to_the_kind_is_refused(kind: str, category: str) -> None:
    assert refusal(body(kind, category=category)) == ["category"]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_has_categories(kind: str) -> None:
    assert len(CATEGORIES.for_kind(kind)) >= 5


async def test_refusals_over_http_are_problems_naming_field_and_rule(intake: Stack) -> None:
    cases = [
        (body("complaint", submitter=None), ["submitter"], "Điều 8"),
        (body("denunciation", target=None), ["target"], "Tố cáo"),
        (body("dialogue_request", dialogue=None), ["dialogue"], "dialogue"),
        (body("feedback", category="astrology"), ["category"], "unknown category"),
        (body("denunciation", category="transport"), ["category"], "does not apply"),
    ]
    for raw, loc, rule in cases:
        response = await intake["intake"].post("/v1/cases", json=raw)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["errors"][0]["loc"] == loc
        assert rule in problem["errors"][0]["msg"]
    assert await intake.count("intake", "cases") == 0


async def test_a_dialogue_request_carries_its_dialogue_in_the_event(intake: Stack) -> None:
    created = await intake.submit(**body("dialogue_request", category="land"))

    async def relayed() -> list[Envelope]:
        return [e for e in await all_events(intake) if e.type == "case.submitted"]

    [submitted] = await wait_until(relayed, what="case.submitted on the bus")
    assert submitted.data["dialogue"] == DIALOGUE
    assert submitted.data["category"] == "land"
    assert "submitter" not in submitted.data and "Nguyễn Văn An" not in submitted.model_dump_json()
    view = await intake["intake"].get(
        f"/v1/cases/{created['tracking_code']}", headers={"X-Case-Token": created["access_token"]}
    )
    assert view.json()["dialogue"] == DIALOGUE
    assert view.json()["submitter"] == NAMED


async def test_categories_are_listed_with_both_names_and_their_kinds(intake: Stack) -> None:
    response = await intake["intake"].get("/v1/categories")
    assert response.status_code == 200
    items = {c["code"]: c for c in response.json()["items"]}
    for code in (
        "land",
        "environment",
        "construction",
        "transport",
        "health",
        "education",
        "social_policy",
        "public_order",
        "administrative_procedures",
        "officials_conduct",
    ):
        assert items[code]["name_vi"] and items[code]["name_en"] and items[code]["kinds"]
    only = await intake["intake"].get("/v1/categories", params={"kind": "denunciation"})
    assert all("denunciation" in c["kinds"] for c in only.json()["items"])
    assert "transport" not in {c["code"] for c in only.json()["items"]}
