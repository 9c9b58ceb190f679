"""A unit's work queue: soonest due first, undated last, filters, counts, keyset pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.routing.cases.machine import Step
from services.routing.cases.repository import lock_case
from services.routing.workflow.service import apply_step
from shared.auth import Role
from shared.events import DEADLINE_SET, DeadlineSet, new_event
from tests.conftest import StackFactory
from tests.routing.test_workflow_machine import COMPLAINT, TODAY
from tests.support.routing_workflow import publish, routed_case, step, view
from tests.support.stack import Stack, wait_until

NOW = datetime.now(UTC).replace(microsecond=0)


async def announce(stack: Stack, case_id: str, kind: str, due_at: datetime) -> None:
    """notification announces a deadline for the case (on the case's partition, in order)."""
    data = DeadlineSet(
        deadline_id=uuid.uuid4(), kind=kind, unit_code="06427",
        starts_on=NOW.date().isoformat(), due_at=due_at, basis="test",
    )  # fmt: skip
    await publish(
        stack, new_event(DEADLINE_SET, source="notification", case_id=uuid.UUID(case_id), data=data)
    )


async def due(stack: Stack, case_id: str, due_at: datetime) -> dict[str, Any] | None:
    shown = await view(stack, case_id)
    return shown if shown["due_at"] == due_at.isoformat().replace("+00:00", "Z") else None


async def set_due(stack: Stack, case_id: str, kind: str, due_at: datetime) -> None:
    """notification announces a deadline for the case, and routing's queue shows it."""
    await announce(stack, case_id, kind, due_at)
    await wait_until(lambda: due(stack, case_id, due_at), what=f"{case_id} due at {due_at}")


async def read_all(stack: Stack, query: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        url = f"/v1/queues/06427?{query}" + (f"&cursor={cursor}" if cursor else "")
        answer = await stack["routing"].get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        items += answer.json()["items"]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return items


async def test_the_queue_is_sorted_by_due_time_and_read_by_pages(stack: Stack) -> None:
    official = stack.auth(unit="06427")
    cases = [await routed_case(stack) for _ in range(3)]
    cases += [await routed_case(stack, **COMPLAINT) for _ in range(2)]
    ids = [c["id"] for c in cases]
    # Every case gets its clock from notification; then some come due sooner.
    await wait_until(
        lambda: _all_dated(stack, ids), what="every case dated by notification", within=20
    )
    await set_due(stack, ids[3], "accept", NOW + timedelta(days=1))
    await set_due(stack, ids[1], "answer", NOW + timedelta(hours=5))
    # A suspended case's clock stops: it has no due time and goes last.
    assert (await step(stack, ids[4], "accept")).status_code == 200
    suspend = {"reason": "Chờ giám định", "decision_ref": "1/QĐ", "decided_on": TODAY}
    assert (await step(stack, ids[4], "suspend", suspend)).status_code == 200
    assert (await view(stack, ids[4]))["due_at"] is None

    whole = (await stack["routing"].get("/v1/queues/06427?limit=200", headers=official)).json()
    order = [i["id"] for i in whole["items"]]
    assert order[:2] == [ids[1], ids[3]] and order[-1] == ids[4]
    dated = [i["due_at"] for i in whole["items"][:-1]]
    assert dated == sorted(dated)
    assert whole["counts"] == {"routed": 4, "suspended": 1}
    assert [i["id"] for i in await read_all(stack, "limit=2", official)] == order
    assert [i["id"] for i in await read_all(stack, "limit=1", official)] == order

    complaints = await read_all(stack, "kind=complaint", official)
    assert {i["id"] for i in complaints} == {ids[3], ids[4]}
    suspended = await read_all(stack, "status=suspended&status=resolved", official)
    assert [i["id"] for i in suspended] == [ids[4]]
    soon = (NOW + timedelta(days=2)).isoformat().replace("+00:00", "Z")
    assert [i["id"] for i in await read_all(stack, f"due_before={soon}", official)] == order[:2]
    await step(stack, ids[2], "assign", {"assignee": "can-bo-binh"})
    mine = await read_all(stack, "assignee=can-bo-binh", official)
    assert [i["id"] for i in mine] == [ids[2]]


async def _all_dated(stack: Stack, ids: list[str]) -> bool:
    return all([(await view(stack, i))["due_at"] is not None for i in ids])


async def test_the_queue_answers_only_its_readers(stack: Stack) -> None:
    await routed_case(stack)
    get = stack["routing"].get
    assert (await get("/v1/queues/06427", headers=stack.auth(unit="20"))).status_code == 200
    supervisor = stack.auth(role=Role.supervisor, unit="06427")
    assert (await get("/v1/queues/06427", headers=supervisor)).status_code == 200
    assert (await get("/v1/queues/06427", headers=stack.auth(unit="00070"))).status_code == 403
    assert (await get("/v1/queues/06427")).status_code == 401
    assert (await get("/v1/queues/99999", headers=stack.auth(unit="06427"))).status_code == 404
    bad = await get("/v1/queues/06427?cursor=garbage", headers=stack.auth(unit="06427"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "cursor"]


async def test_a_clock_of_a_step_the_case_has_left_does_not_date_it(
    stack_factory: StackFactory,
) -> None:
    async with stack_factory(services=("intake", "routing")) as stack:  # only this test's clocks
        case_id = (await routed_case(stack, **COMPLAINT))["id"]
        assert (await step(stack, case_id, "accept")).status_code == 200
        # The acceptance's clock, announced late and due sooner than the resolution's: an
        # accepted case no longer runs it. Both on the case's partition, in this order.
        await announce(stack, case_id, "accept", NOW + timedelta(hours=1))
        await set_due(stack, case_id, "resolve", NOW + timedelta(days=30))
        assert (await view(stack, case_id))["due_kind"] == "resolve"
        assert await stack.count("routing", "case_clocks", kind="accept") == 1  # kept all the same


async def test_a_clock_announced_while_an_official_moves_the_case_counts_for_its_new_status(
    stack_factory: StackFactory,
) -> None:
    async with stack_factory(services=("intake", "routing")) as stack:  # only this test's clocks
        case_id = (await routed_case(stack, **COMPLAINT))["id"]
        resolve_by = NOW + timedelta(days=30)
        kernel = stack.kernel("routing")
        async with kernel.database.transaction() as session:
            # An official accepts the case: locked, moved, its due time read (no resolution
            # clock yet), flushed, not yet committed.
            case = await lock_case(session, uuid.UUID(case_id))
            assert case is not None
            await apply_step(session, kernel.outbox, case, Step.accept, actor="can-bo-an")
            # Meanwhile the resolution's clock arrives: it runs only once the case is accepted.
            await announce(stack, case_id, "resolve", resolve_by)
            if stack.mode == "production":  # SQLite's writers wait at BEGIN: nothing to see
                await wait_until(
                    lambda: stack.waits_for_a_lock("routing"), what="the clock's handler waits"
                )
        shown = await wait_until(lambda: due(stack, case_id, resolve_by), what="the case dated")
        assert (shown["status"], shown["due_kind"]) == ("accepted", "resolve")
