"""Benchmark 2: public figures (GET /v1/stats/units/{code}) over 1M cases, against count(*)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench.routing_data import PROVINCE, QUEUE_UNIT
from bench.routing_timing import explain, time_http, time_sql

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SLOW_S = 2.0  # the brief's line: slower than this, explain the plan and suggest a fix

PERIOD = "received_at >= $2 AND received_at < $3"
FIGURES = f"""
SELECT count(*), coalesce(sum(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END), 0),
  coalesce(sum(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END), 0),
  coalesce(sum(CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END), 0),
  coalesce(sum(CASE WHEN resolved_at IS NOT NULL AND resolved_due_at IS NOT NULL
                     AND resolved_at <= resolved_due_at THEN 1 ELSE 0 END), 0),
  coalesce(sum(CASE WHEN status IN ('routed', 'info_requested', 'accepted')
                     AND due_at IS NOT NULL AND due_at < $4 THEN 1 ELSE 0 END), 0),
  avg(CAST(rating_score AS FLOAT)), count(rating_score)
FROM cases WHERE {{scope}} AND {PERIOD}"""
DAYS = "extract(epoch FROM resolved_at - received_at) / 86400.0"


def statements(province: bool) -> dict[str, str]:
    """The SQL the endpoint issues (stats/repository.py), written out; $1 the unit code."""
    scope = "province_code = $1" if province else "unit_code = $1"
    resolved = f"{scope} AND {PERIOD} AND resolved_at IS NOT NULL"
    out = {
        "figures": FIGURES.format(scope=scope),
        "median: count": f"SELECT count(*) FROM cases WHERE {resolved}",
        "median: middle row": (
            f"SELECT {DAYS} AS d FROM cases WHERE {resolved} ORDER BY d OFFSET $4 LIMIT 1"
        ),
    }
    if province:
        out["transferred"] = (
            f"SELECT count(*) FROM cases WHERE first_unit_code = ANY($4::text[]) "
            f"AND province_code != $1 AND {PERIOD}"
        )
        out["by unit"] = (
            FIGURES.format(scope=scope).replace("SELECT count(*)", "SELECT unit_code, count(*)")
            + " GROUP BY unit_code ORDER BY unit_code"
        )
    else:
        out["transferred"] = (
            f"SELECT count(*) FROM cases WHERE first_unit_code = $1 AND unit_code != $1 "
            f"AND {PERIOD}"
        )
    return out


def period(from_: date, to: date) -> tuple[datetime, datetime]:
    start = datetime.combine(from_, time(0), VN).astimezone(UTC)
    end = datetime.combine(to + timedelta(days=1), time(0), VN).astimezone(UTC)
    return start, end


BASELINE = f"SELECT count(*) FROM cases WHERE province_code = $1 AND {PERIOD}"


async def run_stats(
    client: httpx.AsyncClient,
    conn: asyncpg.Connection,
    *,
    members: list[str],
    requests: int,
    budget_s: float,
) -> dict[str, Any]:
    today = datetime.now(VN).date()
    from_ = date(today.year, 1, 1)
    start, end = period(from_, today)
    now = datetime.now(UTC)
    params = {"from": from_.isoformat(), "to": today.isoformat()}
    out: dict[str, Any] = {"period": params, "shapes": []}
    for label, code, province in (
        (f"province {PROVINCE} (roll-up)", PROVINCE, True),
        (f"commune {QUEUE_UNIT}", QUEUE_UNIT, False),
    ):
        http = await time_http(
            client, f"/v1/stats/units/{code}", params, count=requests, budget_s=budget_s
        )
        baseline = await time_sql(
            conn, BASELINE, [PROVINCE, start, end], count=requests, budget_s=budget_s
        )
        if not province:  # the commune's own lower bound: its count
            scoped = BASELINE.replace("province_code", "unit_code")
            baseline = await time_sql(
                conn, scoped, [code, start, end], count=requests, budget_s=budget_s
            )
        resolved = await conn.fetchval(statements(province)["median: count"], code, start, end)
        parts: dict[str, Any] = {}
        for name, sql in statements(province).items():
            args: list[Any] = [code, start, end]
            if name == "figures" or name == "by unit":
                args.append(now)
            elif name == "transferred" and province:
                args.append(members)
            elif name == "median: middle row":
                args.append(max((int(resolved or 0) - 1) // 2, 0))
            timing = await time_sql(conn, sql, args, count=3, budget_s=budget_s)
            plan = await explain(conn, sql, args)
            parts[name] = {"p50_ms": timing["p50_ms"], "explain": plan}
        out["shapes"].append(
            {
                "shape": label,
                "http": http,
                "sql": baseline,
                "statements": parts,
                "explain_baseline": await explain(
                    conn, BASELINE if province else scoped, [code, start, end]
                ),
                "slow": http["p50_ms"] > SLOW_S * 1000,
            }
        )
    return out
