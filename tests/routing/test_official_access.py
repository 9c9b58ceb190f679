"""Officials see their unit's cases; the audit trail cannot be edited, even in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.auth import Role
from tests.support.stack import Stack


async def test_an_official_of_the_unit_sees_the_case(stack: Stack) -> None:
    created = await stack.submit()
    await stack.wait_routed(created["tracking_code"])
    path = f"/v1/cases/{created['id']}"

    mine = await stack["routing"].get(path, headers=stack.auth(unit="06427"))
    assert mine.status_code == 200
    assert mine.json()["unit_code"] == "06427"
    province = await stack["routing"].get(path, headers=stack.auth(unit="20"))
    assert province.status_code == 200  # Lạng Sơn's staff oversee its communes
    admin = await stack["routing"].get(path, headers=stack.auth(role=Role.admin, unit=None))
    assert admin.status_code == 200


async def test_other_units_and_strangers_are_refused(stack: Stack) -> None:
    created = await stack.submit()
    await stack.wait_routed(created["tracking_code"])
    path = f"/v1/cases/{created['id']}"

    elsewhere = await stack["routing"].get(path, headers=stack.auth(unit="00070"))
    assert elsewhere.status_code == 403
    assert elsewhere.headers["content-type"] == "application/problem+json"
    anonymous = await stack["routing"].get(path)
    assert anonymous.status_code == 401
    forged = await stack["routing"].get(path, headers={"Authorization": "Bearer not.a.jwt"})
    assert forged.status_code == 401


async def test_the_audit_trail_refuses_updates_and_deletes(stack: Stack) -> None:
    created = await stack.submit()
    await stack.wait_routed(created["tracking_code"])
    for statement in ("UPDATE case_history SET actor = 'someone else'", "DELETE FROM case_history"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with stack.database("routing").transaction() as session:
                await session.execute(text(statement))
    assert await stack.scalar("routing", "SELECT count(*) FROM case_history") == 1


async def test_health_readiness_and_metrics(stack: Stack) -> None:
    for name in ("intake", "routing", "notification"):
        assert (await stack[name].get("/healthz")).json()["status"] == "ok"
        ready = await stack[name].get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "bus": "ok"}
    created = await stack.submit()
    await stack.wait_routed(created["tracking_code"])
    metrics = (await stack["intake"].get("/metrics")).text
    assert (
        'tiepdan_http_requests_total{method="POST",route="/v1/cases",status="2xx"} 1.0' in metrics
    )
    # Labels carry the route template, never a tracking code.
    assert created["tracking_code"] not in metrics
    routing_metrics = (await stack["routing"].get("/metrics")).text
    assert 'tiepdan_events_consumed_total{consumer="' in routing_metrics
    assert 'type="case.submitted"' in routing_metrics
