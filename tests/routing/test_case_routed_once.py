"""A filed case routed: its row, its audit row, its case.routed and its part of the public
figures, written once whatever the deliveries of case.submitted (again under its own id, anew
under another id) and whatever officials did with the case meanwhile; in both modes."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from services.catalog import SERVICES
from services.routing.cases.models import CaseStep, RoutedCase
from services.routing.stats.rebuild import rebuild
from shared.events import CASE_WITHDRAWN, CaseSubmitted, CaseWithdrawn, Envelope
from tests.routing.test_stats_rollup import rollup_rows
from tests.support.routing_workflow import (
    outbox_events,
    publish,
    publish_as_intake,
    routed_case,
    step,
    wait_status,
)
from tests.support.stack import Stack, production_settings, running_stack, wait_until

UNIT, PROVINCE = "06427", "20"  # Xã Cai Kinh, Lạng Sơn: where the stack's default case goes


async def submitted_of(stack: Stack, case_id: str) -> Envelope:
    """The case.submitted intake queued for the case, as routing received it."""
    table = SERVICES["intake"].definition.messaging.outbox
    async with stack.database("intake").sessions() as session:
        payload = await session.scalar(
            select(table.c.payload).where(
                table.c.key == case_id, table.c.event_type == "case.submitted"
            )
        )
    assert payload is not None
    return Envelope.from_bytes(payload)


async def steps_of(stack: Stack, case_id: str) -> list[CaseStep]:
    async with stack.database("routing").sessions() as session:
        rows = await session.execute(
            select(CaseStep).where(CaseStep.case_id == uuid.UUID(case_id)).order_by(CaseStep.id)
        )
        return list(rows.scalars())


async def case_row(stack: Stack, case_id: str) -> RoutedCase:
    async with stack.database("routing").sessions() as session:
        case = await session.get(RoutedCase, uuid.UUID(case_id))
    assert case is not None
    return case


async def figures(stack: Stack, code: str) -> dict[str, Any]:
    answer = await stack["routing"].get(f"/v1/stats/units/{code}")
    assert answer.status_code == 200, answer.text
    figures: dict[str, Any] = answer.json()["figures"]
    return figures


async def the_rollup_is_a_count_of_the_cases(stack: Stack) -> dict[Any, tuple[int, ...]]:
    """The roll-up as the steps left it, which a rebuild from the cases leaves as it is."""
    kept = await rollup_rows(stack)
    async with stack.database("routing").transaction() as session:
        await rebuild(session)
    assert await rollup_rows(stack) == kept
    return kept


async def delivered_again(stack: Stack, case_id: str) -> None:
    """case.submitted again under its own id (the consumer's record) and anew under another
    (the handler's own guard), then a withdrawal of the case: the same case's events are taken
    in order, so once the case is withdrawn, both deliveries have been handled."""
    submitted = await submitted_of(stack, case_id)
    await publish(stack, submitted)
    await publish(stack, submitted.model_copy(update={"id": uuid.uuid4()}))
    await publish_as_intake(stack, case_id, CASE_WITHDRAWN, CaseWithdrawn(reason="Đã xong"))
    await wait_status(stack, case_id, "withdrawn")


async def test_a_filed_case_is_routed_with_its_audit_row_event_and_figures(stack: Stack) -> None:
    case = await routed_case(stack, category="environment")
    case_id = case["id"]
    submitted = await submitted_of(stack, case_id)
    row = await case_row(stack, case_id)
    assert (row.status, row.unit_code, row.first_unit_code, row.province_code) == (
        "routed", UNIT, UNIT, PROVINCE,
    )  # fmt: skip
    assert (row.tracking_code, row.kind, row.category) == (
        case["tracking_code"], "feedback", "environment",
    )  # fmt: skip
    assert (row.title, row.description) == (submitted.data["title"], submitted.data["description"])
    assert row.received_at == submitted.parse(CaseSubmitted).submitted_at
    assert row.location_unit_code == UNIT and row.version == 1 and row.appeal_of is None
    assert (row.assignee, row.paused_from, row.due_at, row.accepted_at) == (None,) * 4
    assert row.publish_consent is False and row.rule and row.reason

    [routed] = await outbox_events(stack, case_id)
    assert (routed.type, routed.source, routed.case_id) == ("case.routed", "routing", row.id)
    assert routed.data == routed.data | {
        "tracking_code": row.tracking_code, "kind": "feedback", "unit_code": UNIT,
        "province_code": PROVINCE, "actor": "system:routing", "status": "routed",
        "rule": row.rule, "reason": row.reason, "public_note": row.reason,
        "remote_area": False, "second_time": False, "appeal_of": None,
    }  # fmt: skip
    assert routed.data["unit_name"] and routed.data["received_at"] == submitted.data["submitted_at"]

    [audit] = await steps_of(stack, case_id)
    assert (audit.step, audit.actor, audit.from_status, audit.to_status) == (
        "routed", "system:routing", "submitted", "routed",
    )  # fmt: skip
    assert (audit.event_id, audit.reason, audit.at) == (routed.id, row.reason, routed.time)
    assert audit.data == {"rule": row.rule, "unit_code": UNIT, "rules_version": 0}

    rollup = await the_rollup_is_a_count_of_the_cases(stack)
    assert len(rollup) == 3  # its unit's day, and by kind its unit's and its province's
    assert (await figures(stack, UNIT))["received"] == 1
    assert (await figures(stack, PROVINCE))["received"] == 1
    report = (await stack["routing"].get(f"/v1/reports/units/{UNIT}")).json()
    assert [(r["kind"], r["category"], r["received"]) for r in report["by_kind_and_category"]] == [
        ("feedback", "environment", 1)
    ]


async def test_a_submission_delivered_again_is_routed_once(stack: Stack) -> None:
    case_id = (await routed_case(stack))["id"]
    await delivered_again(stack, case_id)
    assert [s.step for s in await steps_of(stack, case_id)] == ["routed", "withdraw"]
    routed = [e for e in await outbox_events(stack, case_id) if e.type == "case.routed"]
    assert len(routed) == 1
    assert await stack.count("routing", "cases") == 1
    await the_rollup_is_a_count_of_the_cases(stack)
    assert (await figures(stack, UNIT))["received"] == 1


async def test_a_submission_of_a_case_an_official_moved_on_leaves_it_there(stack: Stack) -> None:
    case_id = (await routed_case(stack))["id"]
    assert (await step(stack, case_id, "accept")).status_code == 200
    await delivered_again(stack, case_id)  # not routed back: withdrawn from where it was
    assert [s.step for s in await steps_of(stack, case_id)] == ["routed", "accept", "withdraw"]
    assert (await case_row(stack, case_id)).accepted_at is not None
    await the_rollup_is_a_count_of_the_cases(stack)
    counted = await figures(stack, UNIT)
    assert (counted["received"], counted["accepted"]) == (1, 1)


@pytest.mark.integration
async def test_a_case_takes_its_unit_days_figures_before_the_rows_by_kind(
    pg_admin_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    """As every step does (stats/rollup.py): two batches of cases of one unit and day, of
    other kinds, each waiting for a row the other holds, would deadlock otherwise. Seen from
    outside: while routing waits for its unit's day, it holds no row by kind."""
    settings = await production_settings(pg_admin_url, kafka_bootstrap, tmp_path)
    async with running_stack("production", settings, services=("intake", "routing")) as stack:
        await routed_case(stack)  # the rows of its unit's day and kind
        async with stack.database("routing").transaction() as session:
            await session.execute(text("SELECT * FROM unit_daily_figures FOR UPDATE"))
            case_id = (await stack.submit())["id"]  # the same unit, day and kind
            await wait_until(
                lambda: stack.waits_for_a_lock("routing"), what="routing waits for the day"
            )
            # Fails at once (LockNotAvailable) if routing took a row by kind first.
            await session.execute(text("SELECT * FROM daily_kind_figures FOR UPDATE NOWAIT"))
        await wait_status(stack, case_id, "routed")
        assert (await figures(stack, UNIT))["received"] == 2
        await the_rollup_is_a_count_of_the_cases(stack)
