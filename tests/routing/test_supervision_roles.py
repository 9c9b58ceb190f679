"""Who may do what on the boards' supervisions: every (role, endpoint) pair.

A supervision of Xã Cai Kinh (06427, Lạng Sơn 20) with a request for information and a
recommendation; every principal calls every endpoint. Bodies are empty ({}) so that a
permitted write is the 422 of a bad body, after the access check; only the opening
carries a valid body. The board's voice is a supervisor of that very commune: a board
member of commune A does nothing in commune B, and no official, head or admin writes as
the board; only the commune's head answers a recommendation.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from shared.auth import Role
from tests.routing.test_workflow_roles import PRINCIPALS as WORKFLOW_PRINCIPALS
from tests.support.modes import embedded_all_production_some
from tests.support.routing_workflow import routed_case
from tests.support.stack import Stack
from tests.support.supervision import UNIT, board, head, open_supervision, recommend

# Everyone of the workflow's matrix, and a board member of another commune (Xã 00070).
PRINCIPALS = WORKFLOW_PRINCIPALS | {"board of another commune": (Role.supervisor, "00070", "403")}

OPEN = "POST /v1/supervisions"
BOARD_WRITES = ["POST {s}/entries", "POST {s}/recommendations", "POST {s}/close",
                "POST /v1/cases/{c}/recommendations"]  # fmt: skip
STAFF_WRITES = ["POST {s}/entries/{q}/answer", "POST /v1/recommendations/{d}/follow-up/{a}/done"]
HEAD_WRITES = ["POST /v1/recommendations/{r}/answer"]
READS = ["GET /v1/supervisions?unit_code=06427", "GET {s}", "GET /v1/recommendations?"
         "unit_code=06427&state=open"]  # fmt: skip
PUBLIC = ["GET /v1/recommendations?unit_code=06427"]
BOARD_READS = ["GET /v1/boards/06427/messages"]  # residents' messages: the board's alone
ENDPOINTS = [OPEN, *BOARD_WRITES, *STAFF_WRITES, *HEAD_WRITES, *READS, *PUBLIC, *BOARD_READS]


def expected(who: str, endpoint: str) -> int:
    role, unit, access = PRINCIPALS[who]
    if endpoint in PUBLIC:
        return 200
    if role is None:
        return 401
    if endpoint in BOARD_READS:
        return 200 if (role, unit) == (Role.supervisor, UNIT) else 403
    if endpoint in READS:
        return 200 if access in ("act", "read") else 403
    if endpoint == OPEN:
        return 201 if (role, unit) == (Role.supervisor, UNIT) else 403
    if endpoint in BOARD_WRITES:
        return 422 if (role, unit) == (Role.supervisor, UNIT) else 403
    if endpoint in STAFF_WRITES:
        return 422 if role in (Role.official, Role.unit_head) and unit == UNIT else 403
    return 422 if (role, unit) == (Role.unit_head, UNIT) else 403


# In production mode the board, the unit's head, a read-only supervisor and one refused.
@pytest.mark.parametrize(
    ("mode", "who"),
    embedded_all_production_some(
        PRINCIPALS,
        production={
            "supervisor of the commune",
            "head of the unit",
            "supervisor of the province",
            "board of another commune",
        },
    ),
)
async def test_every_role_on_every_supervision_endpoint(stack: Stack, who: str) -> None:
    role, unit, _ = PRINCIPALS[who]
    headers = stack.auth(role=role, unit=unit, sub="someone") if role else {}
    sup = await open_supervision(stack)
    s = f"/v1/supervisions/{sup['id']}"
    asked = await stack["routing"].post(
        f"{s}/entries", json={"kind": "info_request", "text": "Báo cáo"}, headers=board(stack)
    )
    rec = await recommend(stack, sup["id"])
    committed = await recommend(stack, sup["id"])
    later = (date.today() + timedelta(days=30)).isoformat()
    answered = await stack["routing"].post(
        f"/v1/recommendations/{committed.json()['id']}/answer", headers=head(stack),
        json={"outcome": "accepted", "text": "Tiếp thu",
              "follow_up": [{"action": "Rà soát hồ sơ", "due_on": later}]},
    )  # fmt: skip
    assert answered.status_code == 200, answered.text
    case = await routed_case(stack)
    ids = {"s": s, "q": asked.json()["id"], "r": rec.json()["id"], "c": case["id"],
           "d": committed.json()["id"], "a": answered.json()["follow_up"][0]["id"]}  # fmt: skip
    got: dict[str, int] = {}
    for endpoint in ENDPOINTS:
        method, _, path = endpoint.partition(" ")
        body: dict[str, Any] | None = None
        if method == "POST":
            body = {"unit_code": UNIT, "title": "Giám sát"} if endpoint == OPEN else {}
        answer = await stack["routing"].request(
            method, path.format(**ids), json=body, headers=headers
        )
        got[endpoint] = answer.status_code
    assert got == {e: expected(who, e) for e in ENDPOINTS}


async def test_a_board_member_cannot_open_a_supervision_of_another_commune(stack: Stack) -> None:
    elsewhere = await stack["routing"].post(
        "/v1/supervisions", json={"unit_code": "00070", "title": "Giám sát"}, headers=board(stack)
    )
    assert elsewhere.status_code == 403
    official = await stack["routing"].post(
        "/v1/supervisions", json={"unit_code": UNIT, "title": "Giám sát"},
        headers=stack.auth(role=Role.official, unit=UNIT),
    )  # fmt: skip
    assert official.status_code == 403
