"""Benchmark 1: a unit's work queue (GET /v1/queues/{unit}) against its raw keyset SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench.common.timing import explain, time_http, time_sql
from bench.routing.data import QUEUE_UNIT
from services.routing.cases.models import RoutedCase
from services.routing.queues.endpoints import OPEN
from services.routing.queues.repository import Position

PAGE = 50  # the endpoint's default page size; the service reads PAGE + 1 to know if more follow
COLUMNS = ", ".join(c.name for c in RoutedCase.__table__.columns)
ASSIGNEE = f"official-{QUEUE_UNIT}-03"


@dataclass
class Shape:
    name: str
    statuses: tuple[str, ...] = OPEN
    kind: str | None = None
    due_before: datetime | None = None
    assignee: str | None = None
    depth: int = 0  # rows already read: the page starts after the row at this offset
    params: dict[str, Any] = field(default_factory=dict)
    after: Position | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The WHERE clause repository.page builds, written out by hand, with its arguments."""
        args: list[Any] = [QUEUE_UNIT, *self.statuses]
        marks = ", ".join(f"${i}" for i in range(2, 2 + len(self.statuses)))
        parts = ["unit_code = $1", f"status IN ({marks})"]
        for column, value, op in (
            ("kind", self.kind, "="),
            ("due_at", self.due_before, "<"),
            ("assignee", self.assignee, "="),
        ):
            if value is not None:
                args.append(value)
                parts.append(f"{column} {op} ${len(args)}")
        if self.after is not None:
            if self.after.due_at is None:
                args.append(self.after.id)
                parts.append(f"due_at IS NULL AND id > ${len(args)}")
            else:
                args += [self.after.due_at, self.after.id]
                d, i = len(args) - 1, len(args)
                parts.append(f"(due_at > ${d} OR (due_at = ${d} AND id > ${i}) OR due_at IS NULL)")
        return " AND ".join(parts), args

    def page_sql(self) -> tuple[str, list[Any]]:
        where, args = self.where()
        order = "ORDER BY due_at ASC NULLS LAST, id ASC"
        return f"SELECT {COLUMNS} FROM cases WHERE {where} {order} LIMIT {PAGE + 1}", args

    def counts_sql(self) -> tuple[str, list[Any]]:
        """The per-status counts every page also returns (no status filter, no cursor)."""
        args: list[Any] = [QUEUE_UNIT]
        parts = ["unit_code = $1"]
        for column, value, op in (
            ("kind", self.kind, "="),
            ("due_at", self.due_before, "<"),
            ("assignee", self.assignee, "="),
        ):
            if value is not None:
                args.append(value)
                parts.append(f"{column} {op} ${len(args)}")
        where = " AND ".join(parts)
        return f"SELECT status, count(*) FROM cases WHERE {where} GROUP BY status", args


def shapes(now: datetime) -> list[Shape]:
    week = (now + timedelta(days=7)).replace(microsecond=0)
    return [
        Shape("first page (open work)"),
        Shape("page 101 (5,000 rows in)", depth=5_000),
        Shape("page 1,001 (50,000 rows in)", depth=50_000),
        Shape("undated tail (57,000 rows in)", depth=57_000),
        Shape("status=accepted", statuses=("accepted",), params={"status": "accepted"}),
        Shape("kind=complaint", kind="complaint", params={"kind": "complaint"}),
        Shape("due_before=+7 days", due_before=week, params={"due_before": week.isoformat()}),
        Shape(f"assignee={ASSIGNEE}", assignee=ASSIGNEE, params={"assignee": ASSIGNEE}),
        Shape(
            "status=accepted&assignee&kind",
            statuses=("accepted",),
            kind="complaint",
            assignee=ASSIGNEE,
            params={"status": "accepted", "assignee": ASSIGNEE, "kind": "complaint"},
        ),
    ]


async def place_cursors(conn: asyncpg.Connection, found: list[Shape]) -> None:
    """A deep shape starts where following next_cursor `depth / PAGE` times would land."""
    for shape in found:
        if not shape.depth:
            continue
        where, args = Shape(shape.name, statuses=shape.statuses).where()
        row = await conn.fetchrow(
            f"SELECT due_at, id FROM cases WHERE {where} "
            f"ORDER BY due_at ASC NULLS LAST, id ASC OFFSET {shape.depth - 1} LIMIT 1",
            *args,
        )
        if row is None:
            continue
        shape.after = Position(row["due_at"], row["id"])
        shape.params = shape.params | {"cursor": shape.after.encode()}


async def walk(client: httpx.AsyncClient, url: str, *, pages: int) -> dict[str, Any]:
    """Follow next_cursor from the first page (bounded), checking the cursor really works."""
    cursor: str | None = None
    seen = 0
    for page in range(pages):
        params = {"cursor": cursor} if cursor else {}
        response = await client.get(url, params=params)
        if response.status_code != 200:
            return {"pages": page, "rows": seen, "error": response.text[:300]}
        body = response.json()
        seen += len(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    return {"pages": page + 1, "rows": seen}


async def run_queue(
    client: httpx.AsyncClient, conn: asyncpg.Connection, *, requests: int, budget_s: float
) -> dict[str, Any]:
    url = f"/v1/queues/{QUEUE_UNIT}"
    found = shapes(datetime.now(UTC))
    await place_cursors(conn, found)
    results: list[dict[str, Any]] = []
    for shape in found:
        http = await time_http(client, url, shape.params, count=requests, budget_s=budget_s)
        sql, args = shape.page_sql()
        raw = await time_sql(conn, sql, args, count=requests, budget_s=budget_s)
        counts_sql, counts_args = shape.counts_sql()
        counts = await time_sql(conn, counts_sql, counts_args, count=max(requests // 5, 5),
                                budget_s=budget_s)  # fmt: skip
        results.append(
            {
                "shape": shape.name,
                "params": {k: v for k, v in shape.params.items() if k != "cursor"},
                "http": http,
                "sql": raw,
                "counts_sql": counts,
                "explain": await explain(conn, sql, args),
                "explain_generic": await explain(conn, sql, args, generic=True),
                "explain_counts": await explain(conn, counts_sql, counts_args),
            }
        )
    results_walk = await walk(client, url, pages=40)
    return {"unit": QUEUE_UNIT, "page_size": PAGE, "shapes": results, "walk_40_pages": results_walk}
