"""Who may do what: every (role, endpoint) pair answers the expected status.

On a routed complaint of Xã Cai Kinh (06427, Lạng Sơn 20), every principal calls every
endpoint. Bodies are chosen so that a permitted call changes nothing until the last one:
an empty body is a 422 after the access check, close and resume are a 409 from `routed`,
and accept (the last call) succeeds.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.auth import Role
from shared.events import DEADLINE_BREACHED, DeadlineBreached, new_event
from tests.routing.test_workflow_machine import COMPLAINT
from tests.support.modes import embedded_all_production_some
from tests.support.routing_workflow import publish, routed_case
from tests.support.stack import Stack, wait_until

READS = ["GET ", "GET history", "GET messages", "GET /v1/queues/06427"]
WRITES_422 = [
    "reject", "transfer", "assign", "request-info", "messages", "extend", "dialogues",
    "dialogues/{d}/minutes", "resolve", "delivery", "several-places", "late-appeal",
    "reclassify", "suspend", "suspension-notice",
]  # fmt: skip
WRITES_409 = ["close", "resume"]
# Beyond the case: the unit's calendar (its actors publish) and the rules (admins only).
UNIT_WRITES = ["POST /v1/units/06427/reception-sessions", "PUT /v1/routing/rules"]
# Dân biết: the public figures and period reports answer everyone, without a token too.
PUBLIC = [
    "GET /v1/stats/units/06427",
    "GET /v1/reports/units/20",
    "GET /v1/units/06427/reception-sessions",
]
ENDPOINTS = (
    PUBLIC + READS + UNIT_WRITES + [f"POST {w}" for w in (*WRITES_422, *WRITES_409, "accept")]
)

# Who, and what each is answered: act (may act), read (read-only), 403, 401.
PRINCIPALS = {
    "official of the unit": (Role.official, "06427", "act"),
    "head of the unit": (Role.unit_head, "06427", "act"),
    "official of the province": (Role.official, "20", "act"),
    "admin": (Role.admin, None, "act"),
    "supervisor of the commune": (Role.supervisor, "06427", "read"),
    "supervisor of the province": (Role.supervisor, "20", "read"),
    "official of another commune": (Role.official, "00070", "403"),
    "head of another province": (Role.unit_head, "01", "403"),
    "supervisor elsewhere": (Role.supervisor, "01", "403"),
    "nobody": (None, None, "401"),
}


def expected(access: str, endpoint: str, role: Role | None) -> int:
    if endpoint in PUBLIC:
        return 200
    if access in ("401", "403"):
        return int(access)
    if endpoint == "PUT /v1/routing/rules":
        return 422 if role is Role.admin else 403
    if endpoint in READS:
        return 200
    if access == "read":
        return 403
    if endpoint in UNIT_WRITES:
        return 422  # past the access check, the empty body is refused
    name = endpoint.removeprefix("POST ")
    return 422 if name in WRITES_422 else 409 if name in WRITES_409 else 200


# In production mode one principal of each answer: may act, read-only, refused, anonymous.
@pytest.mark.parametrize(
    ("mode", "who"),
    embedded_all_production_some(
        PRINCIPALS,
        production={
            "official of the unit",
            "supervisor of the commune",
            "official of another commune",
            "nobody",
        },
    ),
)
async def test_every_role_on_every_endpoint(stack: Stack, who: str) -> None:
    role, unit, access = PRINCIPALS[who]
    headers = stack.auth(role=role, unit=unit, sub="someone") if role else {}
    case = await routed_case(stack, **COMPLAINT)
    base = f"/v1/cases/{case['id']}"
    got: dict[str, int] = {}
    for endpoint in ENDPOINTS:
        method, _, name = endpoint.partition(" ")
        own = f"{base}/{name.format(d=uuid.uuid4())}".rstrip("/")
        path = name if name.startswith("/") else own
        answer = await stack["routing"].request(
            method, path, json=None if method == "GET" else {}, headers=headers
        )
        got[endpoint] = answer.status_code
    assert got == {e: expected(access, e, role) for e in ENDPOINTS}


async def test_an_escalated_case_opens_to_the_head_it_was_escalated_to(stack: Stack) -> None:
    case = await routed_case(stack, **COMPLAINT)
    path = f"/v1/cases/{case['id']}"
    central_head = stack.auth(role=Role.unit_head, unit="TTCP", sub="truong-doan")
    central_official = stack.auth(role=Role.official, unit="TTCP", sub="thanh-tra-vien")
    assert (await stack["routing"].get(path, headers=central_head)).status_code == 403
    breached = DeadlineBreached(
        deadline_id=uuid.uuid4(),
        kind="accept",
        unit_code="06427",
        due_at=datetime.now(UTC) - timedelta(days=1),
        escalated_to=["06427", "TTCP"],
    )
    event = new_event(
        DEADLINE_BREACHED, source="notification", case_id=uuid.UUID(case["id"]), data=breached
    )
    await publish(stack, event)

    async def opened() -> bool:
        return (await stack["routing"].get(path, headers=central_head)).status_code == 200

    await wait_until(opened, what="the escalated case visible to the head it went to")
    assert (await stack["routing"].get(path, headers=central_official)).status_code == 403
    accepted = await stack["routing"].post(f"{path}/accept", headers=central_head)
    assert accepted.status_code == 200
