"""Bad input gets a 422 problem+json naming the field, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.stack import Stack

VALID: dict[str, Any] = {
    "kind": "feedback",
    "title": "Ngập úng",
    "description": "Mưa lớn gây ngập.",
    "location": {"unit_code": "06427"},
}


async def _assert_nothing_written(stack: Stack) -> None:
    for table in ("cases", "outbox", "submitters", "idempotency_keys", "case_messages"):
        assert await stack.scalar("intake", f"SELECT count(*) FROM {table}") == 0, table


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        pytest.param({k: v for k, v in VALID.items() if k != "title"}, ["title"], id="missing"),
        pytest.param({**VALID, "kind": "rumour"}, ["kind"], id="unknown-kind"),
        pytest.param({**VALID, "title": ""}, ["title"], id="empty-title"),
        pytest.param({**VALID, "title": "   "}, ["title"], id="blank-title"),
        pytest.param({**VALID, "title": "x" * 201}, ["title"], id="title-too-long"),
        pytest.param({**VALID, "title": 42}, ["title"], id="wrong-type"),
        pytest.param(
            {**VALID, "location": {"unit_code": "99999"}},
            ["location", "unit_code"],
            id="unknown-unit",
        ),
        pytest.param(
            {**VALID, "location": {"unit_code": "6427"}},
            ["location", "unit_code"],
            id="malformed-unit",
        ),
        pytest.param({**VALID, "description": "a\x00b"}, ["description"], id="nul-byte"),
        pytest.param({**VALID, "colour": "red"}, ["colour"], id="unknown-field"),
        pytest.param({**VALID, "kind": "complaint"}, ["submitter"], id="anonymous-complaint"),
        pytest.param({**VALID, "category": "astrology"}, ["category"], id="unknown-category"),
    ],
)
async def test_rejected_with_the_field_named(
    intake: Stack, body: dict[str, Any], loc: list[str]
) -> None:
    stack = intake
    response = await stack["intake"].post("/v1/cases", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert problem["title"]
    assert any(e["loc"] == loc for e in problem["errors"]), problem["errors"]
    await _assert_nothing_written(stack)


async def test_malformed_json_is_a_422_problem(intake: Stack) -> None:
    stack = intake
    response = await stack["intake"].post(
        "/v1/cases", content=b'{"kind": "feedback",', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["loc"] == ["body"]
    assert "malformed JSON" in problem["detail"]
    await _assert_nothing_written(stack)


async def test_vietnamese_text_round_trips_in_nfc(intake: Stack) -> None:
    stack = intake
    decomposed = "Phản ánh về đường".encode().decode()  # already NFC; make an NFD twin
    import unicodedata

    nfd = unicodedata.normalize("NFD", decomposed)
    created = await stack.submit(title=nfd)
    view = await stack["intake"].get(
        f"/v1/cases/{created['tracking_code']}", headers={"X-Case-Token": created["access_token"]}
    )
    assert view.json()["title"] == unicodedata.normalize("NFC", nfd)
