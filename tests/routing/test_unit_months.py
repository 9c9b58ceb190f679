"""A unit's figures by month (GET /v1/stats/units/{code}/months): a hand-counted fixture of
cases over three past months, local-time month edges included, and every month equal to the
period figures of its first to last day."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from services.routing.cases.models import RoutedCase
from shared.dates import LOCAL_TZ
from tests.support.stack import Stack

COMMUNE, PROVINCE = "06364", "20"  # Xã Vũ Lễ, Lạng Sơn
ELSEWHERE, ELSEWHERE_PROVINCE = "00070", "01"  # a commune of Hà Nội


def months_before(today: date, n: int) -> date:
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ).astimezone(UTC)


async def add(stack: Stack, **fields: Any) -> None:
    """A case straight through the ORM (its roll-up follows in the same transaction)."""
    base: dict[str, Any] = {
        "id": uuid.uuid4(), "tracking_code": f"MON{uuid.uuid4().hex[:10]}", "kind": "feedback",
        "title": "t", "description": "d", "unit_code": COMMUNE, "first_unit_code": COMMUNE,
        "province_code": PROVINCE, "status": "routed", "rule": "test", "reason": "test",
    }  # fmt: skip
    async with stack.database("routing").transaction() as session:
        session.add(RoutedCase(**(base | fields)))


async def the_fixture(stack: Stack) -> tuple[date, date, date]:
    """M1, M2, M3: the three months before this one (local)."""
    today = datetime.now(LOCAL_TZ).date()
    m1, m2, m3 = (months_before(today, n) for n in (3, 2, 1))
    noon = local(m1.replace(day=10), 12)
    # M1: resolved in 2 days before its due time, rated 5; resolved in 4 days after it,
    # rated 2; rejected, received at 23:30 on the month's last local day (16:30 UTC).
    await add(
        stack, status="resolved", received_at=noon, accepted_at=noon,
        resolved_at=noon + timedelta(days=2), resolved_due_at=noon + timedelta(days=3),
        rating_score=5,
    )  # fmt: skip
    await add(
        stack, status="resolved", received_at=noon, accepted_at=noon,
        resolved_at=noon + timedelta(days=4), resolved_due_at=noon + timedelta(days=3),
        rating_score=2,
    )  # fmt: skip
    await add(stack, status="rejected", received_at=local(m2 - timedelta(days=1), 23, 30))
    # M2: accepted and past its due time, received at 00:10 local on the 1st (the previous
    # day in UTC); and one first routed here, now in Hà Nội (transferred out of both).
    first = local(m2, 0, 10)
    await add(
        stack, status="accepted", received_at=first, accepted_at=first,
        due_at=datetime.now(UTC) - timedelta(days=1),
    )  # fmt: skip
    await add(
        stack, received_at=local(m2.replace(day=12), 9), unit_code=ELSEWHERE,
        province_code=ELSEWHERE_PROVINCE,
    )  # fmt: skip
    return m1, m2, m3


ZERO = {
    "received": 0, "accepted": 0, "rejected": 0, "transferred": 0, "resolved": 0,
    "resolved_on_time": 0, "overdue": 0, "median_days_to_resolve": None, "mean_rating": None,
    "ratings": 0,
}  # fmt: skip
M1 = ZERO | {
    "received": 3, "accepted": 2, "rejected": 1, "resolved": 2, "resolved_on_time": 1,
    "median_days_to_resolve": 3.0, "mean_rating": 3.5, "ratings": 2,
}  # fmt: skip
M2 = ZERO | {"received": 1, "accepted": 1, "transferred": 1, "overdue": 1}


def figures(month: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in month.items() if k not in ("month", "satisfaction")}


async def test_figures_by_month_are_the_hand_counted_ones(stack: Stack) -> None:
    m1, m2, m3 = await the_fixture(stack)
    span = {"from": m1.strftime("%Y-%m"), "to": m3.strftime("%Y-%m")}
    for code, expected in (
        (COMMUNE, [M1, M2, ZERO]),
        (PROVINCE, [M1, M2, ZERO]),
        (ELSEWHERE, [ZERO, ZERO | {"received": 1}, ZERO]),
        (ELSEWHERE_PROVINCE, [ZERO, ZERO | {"received": 1}, ZERO]),
    ):
        answer = await stack["routing"].get(f"/v1/stats/units/{code}/months", params=span)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["month_from"], body["month_to"]) == (span["from"], span["to"])
        assert [m["month"] for m in body["months"]] == [m.strftime("%Y-%m") for m in (m1, m2, m3)]
        assert [figures(m) for m in body["months"]] == expected, code
    commune = (await stack["routing"].get(f"/v1/stats/units/{COMMUNE}/months", params=span)).json()
    satisfaction = commune["months"][0]["satisfaction"]
    assert (satisfaction["satisfied"], satisfaction["ratings"], satisfaction["too_few"]) == (
        1,
        2,
        True,
    )


async def test_each_month_equals_the_figures_of_its_days(stack: Stack) -> None:
    m1, _, _ = await the_fixture(stack)
    this = datetime.now(LOCAL_TZ).date().replace(day=1)
    span = {"from": m1.strftime("%Y-%m"), "to": this.strftime("%Y-%m")}
    for code in (COMMUNE, PROVINCE, ELSEWHERE, ELSEWHERE_PROVINCE):
        months = (await stack["routing"].get(f"/v1/stats/units/{code}/months", params=span)).json()[
            "months"
        ]
        assert len(months) == 4
        for month in months:
            first = date.fromisoformat(f"{month['month']}-01")
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            single = await stack["routing"].get(
                f"/v1/stats/units/{code}",
                params={"from": first.isoformat(), "to": last.isoformat()},
            )
            assert figures(month) == single.json()["figures"], (code, month["month"])


async def test_the_default_range_and_refusals(stack: Stack) -> None:
    routing = stack["routing"]
    default = (await routing.get(f"/v1/stats/units/{COMMUNE}/months")).json()
    this = datetime.now(LOCAL_TZ).date()
    assert len(default["months"]) == 12
    assert default["month_to"] == this.strftime("%Y-%m")
    assert default["month_from"] == months_before(this, 11).strftime("%Y-%m")
    for params in (
        {"from": "2026-13"},
        {"from": "2026-1"},
        {"to": "2026-01-01"},
        {"from": "2026-05", "to": "2026-04"},
        {"from": "2020-01", "to": "2023-01"},  # 37 months
    ):
        answer = await routing.get(f"/v1/stats/units/{COMMUNE}/months", params=params)
        assert answer.status_code == 422, params
        assert answer.json()["errors"], params
    three_years = {"from": "2020-01", "to": "2022-12"}
    assert (await routing.get(f"/v1/stats/units/{COMMUNE}/months", params=three_years)).json()[
        "months"
    ][-1]["month"] == "2022-12"
    assert (await routing.get("/v1/stats/units/99999/months")).status_code == 404
