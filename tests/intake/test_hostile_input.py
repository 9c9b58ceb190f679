"""Hostile input: stored and returned exactly as sent when it is merely text, refused with a
4xx and nothing written when it is not a valid request."""

from __future__ import annotations

import pytest

from tests.support.stack import Stack

INJECTIONS = [
    "'); DROP TABLE cases; --",
    "<script>alert('xss')</script>",
    "{{ 7*7 }} ${7*7} %s %n",
    "../../etc/passwd",
    "Robert'); DELETE FROM submitters WHERE ('1'='1",
    "ＳＥＬＥＣＴ＊ — ‮ RTL ‭ 🙂 Tiếng Việt có dấu",
]


@pytest.mark.parametrize("text", INJECTIONS)
async def test_injection_strings_are_just_text_returned_verbatim(stack: Stack, text: str) -> None:
    created = await stack.submit(title=text[:200], description=text)
    view = await stack["intake"].get(
        f"/v1/cases/{created['tracking_code']}", headers={"X-Case-Token": created["access_token"]}
    )
    assert view.status_code == 200
    assert view.json()["title"] == text[:200].strip()
    assert view.json()["description"] == text.strip()
    assert await stack.count("intake", "cases") == 1  # nothing dropped, nothing deleted


@pytest.mark.parametrize(
    ("content", "status"),
    [
        pytest.param(b"[" * 5000 + b"]" * 5000, 400, id="deeply-nested"),  # unparseable
        pytest.param(b'{"kind": "feedback"' + b" " * 300_000 + b"}", 413, id="oversized"),
        pytest.param(b"\xff\xfe\x00garbage", 422, id="not-utf8"),
        pytest.param(b"null", 422, id="null-body"),
    ],
)
async def test_malformed_bodies_are_refused_and_nothing_is_written(
    stack: Stack, content: bytes, status: int
) -> None:
    response = await stack["intake"].post(
        "/v1/cases", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await stack.count("intake", "cases") == 0
    assert await stack.count("intake", "outbox") == 0


async def test_a_tracking_code_that_is_an_injection_is_simply_not_found(stack: Stack) -> None:
    response = await stack["intake"].get("/v1/cases/' OR '1'='1")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
