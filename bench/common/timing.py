"""Latency summaries; sequential timing of HTTP requests and raw SQL, and EXPLAIN summaries."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def latency_summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    ms = [x * 1000 for x in ordered]
    return {
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "max_ms": ms[-1] if ms else 0.0,
        "mean_ms": sum(ms) / len(ms) if ms else 0.0,
    }


async def time_http(
    client: httpx.AsyncClient, url: str, params: Any, *, count: int, budget_s: float
) -> dict[str, Any]:
    """`count` requests one after another (stopping after `budget_s`), one warm-up first."""
    await client.get(url, params=params)
    seconds: list[float] = []
    statuses: Counter[str] = Counter()
    body: Any = None
    deadline = time.monotonic() + budget_s
    for _ in range(count):
        began = time.perf_counter()
        response = await client.get(url, params=params)
        seconds.append(time.perf_counter() - began)
        statuses[str(response.status_code)] += 1
        body = response
        if time.monotonic() > deadline:
            break
    out: dict[str, Any] = latency_summary(seconds) | {"n": len(seconds)}
    out["statuses"] = dict(statuses)
    if body is not None:
        out["bytes"] = len(body.content)
        if body.status_code != 200:
            out["error"] = body.text[:300]
    return out


async def time_sql(
    conn: asyncpg.Connection, sql: str, args: list[Any], *, count: int, budget_s: float
) -> dict[str, Any]:
    """The same statement `count` times (prepared once, as SQLAlchemy's asyncpg driver does)."""
    statement = await conn.prepare(sql)
    rows = await statement.fetch(*args)
    seconds: list[float] = []
    deadline = time.monotonic() + budget_s
    for _ in range(count):
        began = time.perf_counter()
        await statement.fetch(*args)
        seconds.append(time.perf_counter() - began)
        if time.monotonic() > deadline:
            break
    return latency_summary(seconds) | {"n": len(seconds), "rows": len(rows)}


def _walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node]
    for child in node.get("Plans", []):
        found.extend(_walk(child))
    return found


def _literal(value: Any) -> str:
    if isinstance(value, list):  # an array: '{a,b}'
        value = "{" + ",".join(str(v) for v in value) + "}"
    return "'" + str(value).replace("'", "''") + "'"


async def _generic_plan(conn: asyncpg.Connection, sql: str, args: list[Any]) -> Any:
    """The plan of the statement prepared once and run with the generic plan, which
    PostgreSQL may switch to after five runs of a prepared statement (the service's driver
    prepares and caches its statements)."""
    async with conn.transaction():
        await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        await conn.execute(f"PREPARE bench_generic AS {sql}")
        try:
            values = ", ".join(_literal(a) for a in args)
            return await conn.fetchval(
                f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE bench_generic({values})"
            )
        finally:
            await conn.execute("DEALLOCATE bench_generic")


async def explain(
    conn: asyncpg.Connection, sql: str, args: list[Any], *, generic: bool = False
) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS): a one-line summary, and the plan's text for the JSON;
    with `generic`, of the generic plan of the prepared statement instead."""
    if generic:
        raw = await _generic_plan(conn, sql, args)
    else:
        raw = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", *args)
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    nodes = _walk(plan["Plan"])
    scans = [
        f"{n['Node Type']}" + (f" using {n['Index Name']}" if n.get("Index Name") else "")
        + (f" on {n['Relation Name']}" if n.get("Relation Name") else "")
        for n in nodes
        if "Scan" in n["Node Type"]
    ]  # fmt: skip
    top = plan["Plan"]
    hit = sum(n.get("Shared Hit Blocks", 0) for n in nodes[:1])
    read = sum(n.get("Shared Read Blocks", 0) for n in nodes[:1])
    removed = sum(n.get("Rows Removed by Filter", 0) for n in nodes)
    summary = (
        f"{' / '.join(dict.fromkeys(scans)) or top['Node Type']}; "
        f"{plan['Execution Time']:.2f} ms; buffers hit {hit} read {read}; "
        f"rows removed by filter {removed}"
    )
    return {"summary": summary, "execution_ms": plan["Execution Time"], "plan": _text(plan)}


def _text(plan: dict[str, Any]) -> list[str]:
    """The plan's nodes, indented, with their conditions (enough to read it from the JSON)."""
    lines: list[str] = []

    def add(node: dict[str, Any], depth: int) -> None:
        name = node["Node Type"] + (f" using {node['Index Name']}" if "Index Name" in node else "")
        lines.append(
            f"{'  ' * depth}{name} (rows={node.get('Actual Rows')}, "
            f"time={node.get('Actual Total Time')} ms)"
        )
        for key in ("Index Cond", "Filter", "Sort Key", "Rows Removed by Filter", "Sort Method"):
            if key in node:
                lines.append(f"{'  ' * depth}  {key}: {node[key]}")
        for child in node.get("Plans", []):
            add(child, depth + 1)

    add(plan["Plan"], 0)
    lines.append(f"Execution Time: {plan['Execution Time']} ms")
    return lines
