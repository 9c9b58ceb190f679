"""The roll-up behind the public figures: after real steps of every kind, the endpoint says what
a count over the cases themselves says; a rebuild from the cases gives the same rows; and
parallel steps on one unit's cases of one day lose no increment."""

from __future__ import annotations

import asyncio
import statistics
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.routing.cases.models import OPEN, RoutedCase
from services.routing.stats.models import DailyKindFigures, UnitDailyFigures, UnitDailyResolutions
from services.routing.stats.rebuild import rebuild
from shared.events import (
    CASE_APPEALED,
    CASE_RATED,
    CASE_WITHDRAWN,
    CaseAppealed,
    CaseRated,
    CaseWithdrawn,
)
from tests.routing.test_queues import set_due
from tests.routing.test_unit_stats import dated
from tests.routing.test_workflow_machine import COMPLAINT
from tests.support.routing_workflow import (
    publish_as_intake,
    routed_case,
    step,
    view,
    wait_status,
)
from tests.support.stack import Stack, production_settings, running_stack, wait_until

ELSEWHERE = "00070"  # a commune of Hà Nội (01): a transfer there leaves Lạng Sơn (20)
PAST = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


async def ok(stack: Stack, case_id: str, name: str, body: Any = None, unit: str = "06427") -> None:
    answer = await step(stack, case_id, name, body, headers=stack.auth(unit=unit, sub="can-bo"))
    assert answer.status_code == 200, answer.text


async def rated(stack: Stack, case_id: str, score: int) -> None:
    await publish_as_intake(stack, case_id, CASE_RATED, CaseRated(score=score, comment="..."))

    async def recorded() -> bool:
        return (await view(stack, case_id))["rating_score"] == score

    await wait_until(recorded, what=f"{case_id} rated {score}")


async def every_kind_of_step(stack: Stack) -> None:
    """Cases of Xã Cai Kinh (06427, Lạng Sơn) taken through the workflow's steps."""
    done, late, refused, inside, outside, contested, paused, overdue, withdrawn = [
        await routed_case(stack, **(COMPLAINT if i in (2, 5) else {})) for i in range(9)
    ]
    await dated(stack, done["id"])  # resolved before its deadline: on time
    await ok(stack, done["id"], "accept")
    await ok(stack, done["id"], "resolve", {"summary": "Đã sửa"})
    await rated(stack, done["id"], 5)
    await ok(stack, done["id"], "close")
    await ok(stack, late["id"], "accept")
    await set_due(stack, late["id"], "resolve", PAST)
    await ok(stack, late["id"], "resolve", {"summary": "Đã sửa, muộn"})
    await rated(stack, late["id"], 2)
    await ok(stack, refused["id"], "reject", {"reason": "KN11.6"})
    await ok(stack, inside["id"], "transfer", {"to_unit_code": "06364", "reason": "Xã Vũ Lễ"})
    await ok(stack, inside["id"], "accept", unit="06364")
    await ok(stack, outside["id"], "transfer", {"to_unit_code": ELSEWHERE, "reason": "Hà Nội"})
    await ok(stack, contested["id"], "accept")
    decision = {"summary": "Giữ nguyên quyết định", "decision_ref": "45/QĐ-UBND"}
    await ok(stack, contested["id"], "resolve", decision)
    second = uuid.uuid4()
    appeal = CaseAppealed(reason="Không đồng ý", new_case_id=second, new_tracking_code="AP1")
    await publish_as_intake(stack, contested["id"], CASE_APPEALED, appeal)
    await wait_status(stack, second, "routed")  # a second-time complaint at the province
    await ok(stack, paused["id"], "reclassify", {"kind": "petition", "reason": "Kiến nghị"})
    await ok(stack, paused["id"], "request-info", {"question": "Địa chỉ cụ thể?"})
    await set_due(stack, overdue["id"], "answer", PAST)
    await publish_as_intake(stack, withdrawn["id"], CASE_WITHDRAWN, CaseWithdrawn(reason="Xong"))
    await wait_status(stack, withdrawn["id"], "withdrawn")


async def cases_of(stack: Stack) -> list[RoutedCase]:
    async with stack.database("routing").sessions() as session:
        return list((await session.execute(select(RoutedCase))).scalars())


def counted(cases: list[RoutedCase], code: str, members: set[str] | None) -> dict[str, Any]:
    """The figures by their definitions, straight from the cases (all received this year)."""
    now = datetime.now(UTC)
    mine = [c for c in cases if (c.province_code if members else c.unit_code) == code]
    done = [c for c in mine if c.resolved_at is not None]
    scores = [c.rating_score for c in mine if c.rating_score is not None]
    days = [(c.resolved_at - c.received_at).total_seconds() / 86400 for c in done]  # type: ignore[operator]
    if members:
        moved = [c for c in cases if c.first_unit_code in members and c.province_code != code]
    else:
        moved = [c for c in cases if c.first_unit_code == code and c.unit_code != code]
    return {
        "received": len(mine),
        "accepted": sum(c.accepted_at is not None for c in mine),
        "rejected": sum(c.status == "rejected" for c in mine),
        "transferred": len(moved),
        "resolved": len(done),
        "resolved_on_time": sum(
            c.resolved_due_at is None or c.resolved_at <= c.resolved_due_at  # type: ignore[operator]
            for c in done
        ),
        "overdue": sum(c.status in OPEN and c.due_at is not None and c.due_at < now for c in mine),
        "median_days_to_resolve": round(statistics.median(days), 2) if days else None,
        "mean_rating": round(statistics.mean(scores), 2) if scores else None,
        "ratings": len(scores),
    }


async def test_the_figures_are_a_count_of_the_cases_after_every_kind_of_step(stack: Stack) -> None:
    await every_kind_of_step(stack)
    cases = await cases_of(stack)
    units = stack.context("routing").units
    for code in ("06427", "06364", ELSEWHERE, "20", "01"):
        answer = (await stack["routing"].get(f"/v1/stats/units/{code}")).json()
        members = None
        if answer["scope"] == "province":
            members = {code, *units.communes_of(code), *(a.code for a in units.agencies_of(code))}
        assert answer["figures"] == counted(cases, code, members), code
        if members:
            by_unit = {u.pop("unit_code"): u for u in answer["by_unit"]}
            here = {c.unit_code for c in cases if c.province_code == code}
            for unit, row in by_unit.items():  # the satisfaction index: 4-5 of the ratings
                rated = [c.rating_score for c in cases if c.unit_code == unit and c.rating_score]
                shown = row.pop("satisfaction")
                assert (shown["satisfied"], shown["ratings"]) == (
                    sum(score >= 4 for score in rated),
                    len(rated),
                ), unit
            expected = {
                unit: counted([c for c in cases if c.unit_code == unit], unit, None)
                | {"transferred": 0, "median_days_to_resolve": None}
                for unit in here
            }
            assert by_unit == expected, code
    lasong = (await stack["routing"].get("/v1/stats/units/20")).json()["figures"]
    assert (lasong["received"], lasong["transferred"], lasong["resolved"]) == (9, 1, 3)
    commune = (await stack["routing"].get("/v1/stats/units/06427")).json()["figures"]
    assert (commune["transferred"], commune["overdue"], commune["resolved_on_time"]) == (2, 1, 2)


def by_kind(cases: list[RoutedCase], code: str, province: bool) -> list[dict[str, Any]]:
    """The period report's table by its definitions, straight from the cases."""
    mine = [c for c in cases if (c.province_code if province else c.unit_code) == code]
    out = []
    for kind, category in sorted({(c.kind, c.category or "") for c in mine}):
        group = [c for c in mine if (c.kind, c.category or "") == (kind, category)]
        out.append({
            "kind": kind, "category": category or None, "received": len(group),
            "accepted": sum(c.accepted_at is not None for c in group),
            "rejected": sum(c.status == "rejected" for c in group),
            "withdrawn": sum(c.status == "withdrawn" for c in group),
            "resolved": sum(c.resolved_at is not None for c in group),
            "resolved_on_time": sum(
                c.resolved_at is not None
                and (c.resolved_due_at is None or c.resolved_at <= c.resolved_due_at)
                for c in group
            ),
        })  # fmt: skip
    return out


async def test_the_period_report_is_a_count_of_the_cases_after_every_kind_of_step(
    stack: Stack,
) -> None:
    await every_kind_of_step(stack)  # a reclassified kind and a withdrawal among them
    cases = await cases_of(stack)
    for code in ("06427", "06364", ELSEWHERE, "20", "01"):
        report = (await stack["routing"].get(f"/v1/reports/units/{code}")).json()
        expected = by_kind(cases, code, province=report["scope"] == "province")
        assert report["by_kind_and_category"] == expected, code
    commune = (await stack["routing"].get("/v1/reports/units/06427")).json()["totals"]
    assert commune["withdrawn"] == 1 and commune["received"] >= 5


async def rollup_rows(stack: Stack) -> dict[Any, tuple[int, ...]]:
    """Both roll-up tables, key -> counters, without the rows that went back to zero."""
    rows: dict[Any, tuple[int, ...]] = {}
    async with stack.database("routing").sessions() as session:
        for model in (UnitDailyFigures, UnitDailyResolutions, DailyKindFigures):
            table = model.__table__
            keys = [c.name for c in table.primary_key.columns]
            for row in (await session.execute(select(table))).mappings():
                counters = tuple(v for k, v in row.items() if k not in keys)
                if any(counters):
                    rows[(table.name, *(row[k] for k in keys))] = counters
    return rows


async def test_a_rebuild_from_the_cases_gives_the_same_rollup(stack: Stack) -> None:
    await every_kind_of_step(stack)
    kept = await rollup_rows(stack)
    assert len(kept) > 5
    async with stack.database("routing").transaction() as session:
        await rebuild(session)
    assert await rollup_rows(stack) == kept


@pytest.mark.integration
async def test_parallel_steps_on_one_unit_day_lose_no_increment(
    pg_admin_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = await production_settings(pg_admin_url, kafka_bootstrap, tmp_path)
    async with running_stack("production", settings) as stack:
        cases = [str((await routed_case(stack))["id"]) for _ in range(24)]
        await asyncio.gather(*(ok(stack, case, "accept") for case in cases))
        resolve = {"summary": "Đã giải quyết"}
        await asyncio.gather(*(ok(stack, case, "resolve", resolve) for case in cases[:16]))
        figures = (await stack["routing"].get("/v1/stats/units/06427")).json()["figures"]
        assert (figures["received"], figures["accepted"], figures["resolved"]) == (24, 24, 16)
        kept = await rollup_rows(stack)
        async with stack.database("routing").transaction() as session:
            await rebuild(session)
        assert await rollup_rows(stack) == kept


async def test_the_median_is_exact_across_day_buckets(stack: Stack) -> None:
    """Cases written straight through the ORM: resolution times on both sides of whole days."""
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(days=40)
    durations = [timedelta(days=d) for d in (0.5, 1, 2, 3.25, 10, 2.75)]
    durations.append(timedelta(days=2) - timedelta(microseconds=1))
    expected = []
    for n, duration in enumerate(durations):
        async with stack.database("routing").transaction() as session:
            session.add(
                RoutedCase(
                    id=uuid.uuid4(), tracking_code=f"MED{n:04d}{uuid.uuid4().hex[:6]}",
                    kind="feedback", title="t", description="d", unit_code="06364",
                    first_unit_code="06364", province_code="20", status="resolved",
                    received_at=received + timedelta(minutes=n), rule="test", reason="test",
                    accepted_at=received, resolved_at=received + timedelta(minutes=n) + duration,
                )
            )  # fmt: skip
        expected.append(duration.total_seconds() / 86400)
        figures = (await stack["routing"].get("/v1/stats/units/06364")).json()["figures"]
        assert figures["median_days_to_resolve"] == round(statistics.median(expected), 2), n
    province = (await stack["routing"].get("/v1/stats/units/20")).json()["figures"]
    assert province["median_days_to_resolve"] == round(statistics.median(expected), 2)
    kept = await rollup_rows(stack)
    async with stack.database("routing").transaction() as session:
        await rebuild(session)
    assert await rollup_rows(stack) == kept  # 2 days less 1 µs: bucket 1 in SQL as in Python
