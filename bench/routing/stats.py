"""Benchmark 2: public figures (GET /v1/stats/units/{code}) over 1M cases, against count(*)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench.common.timing import explain, time_http, time_sql
from bench.routing.data import PROVINCE, QUEUE_UNIT
from services.routing.stats.repository.rebuild import RESOLVED_DAYS
from shared.dates import LOCAL_TZ

SLOW_S = 2.0  # the brief's line: slower than this, explain the plan and suggest a fix

SUMS = ", ".join(
    f"sum({c})" for c in ("received", "accepted", "rejected", "resolved", "resolved_on_time",
                          "rating_sum", "ratings")
)  # fmt: skip
DAYS = "day >= $2 AND day <= $3"  # local dates
PERIOD = "received_at >= $2 AND received_at < $3"  # the same as UTC instants
OPEN = "status IN ('routed', 'info_requested', 'accepted')"


def statements(province: bool) -> dict[str, str]:
    """The SQL the endpoint issues (stats/repository/: figures.py, median.py), written out;
    $1 the unit code, $2 and $3 the period (dates for the roll-up, instants for the cases)."""
    scope = "province_code = $1" if province else "unit_code = $1"
    out = {
        "by unit (roll-up)": f"SELECT unit_code, {SUMS} FROM unit_daily_figures "
        f"WHERE {scope} AND {DAYS} GROUP BY unit_code",
        "overdue (live)": f"SELECT unit_code, count(*) FROM cases WHERE {scope} AND {OPEN} "
        f"AND due_at < $4 AND {PERIOD} GROUP BY unit_code",
        "transferred": (
            "SELECT sum(received) FROM unit_daily_figures WHERE first_unit_code = ANY($4::text[]) "
            f"AND (province_code < $1 OR province_code > $1) AND {DAYS}"
            if province
            else "SELECT sum(received) FROM unit_daily_figures WHERE first_unit_code = $1 "
            f"AND unit_code != $1 AND {DAYS}"
        ),
        "median: histogram": "SELECT days, sum(cases) FROM unit_daily_resolutions WHERE "
        f"scope = '{'province' if province else 'unit'}' AND code = $1 AND {DAYS} "
        "GROUP BY days ORDER BY days",
        "median: bucket": "SELECT extract(epoch FROM resolved_at - received_at) / 86400.0 AS d "
        f"FROM cases WHERE {scope} AND {RESOLVED_DAYS['postgresql']} = $4 "
        f"AND resolved_at IS NOT NULL AND {PERIOD} "
        "ORDER BY resolved_at - received_at OFFSET $5 LIMIT 2",
    }
    # Issue 17: the satisfaction index (the roll-up's `satisfied`/`ratings`, by kind and by
    # day for the months) and the board's recommendations (counted live on their index).
    kind_scope = "province" if province else "unit"
    out |= {
        "satisfaction: by kind": "SELECT kind, sum(satisfied), sum(ratings) FROM "
        f"daily_kind_figures WHERE scope = '{kind_scope}' AND code = $1 AND {DAYS} "
        "GROUP BY kind ORDER BY kind",
        "satisfaction: by day": f"SELECT day, sum(satisfied), sum(ratings) FROM "
        f"unit_daily_figures WHERE {scope} AND {DAYS} GROUP BY day",
        "recommendations (live)": "SELECT count(*), "
        "sum(CASE WHEN state = 'answered' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN answered_on_time THEN 1 ELSE 0 END), "
        "sum(CASE WHEN outcome = 'accepted' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN state = 'open' AND due_on < $4 THEN 1 ELSE 0 END) "
        f"FROM recommendations WHERE {scope} AND issued_at >= $2 AND issued_at < $3",
    }
    return out


# What the index would cost read from the cases themselves, without the roll-up.
SATISFACTION_SCAN = (
    "SELECT count(*) FILTER (WHERE rating_score >= 4), count(rating_score) FROM cases "
    "WHERE province_code = $1 AND " + PERIOD
)


async def middle_bucket(conn: asyncpg.Connection, sql: str, args: list[Any]) -> tuple[int, int]:
    """The bucket holding the lower middle rank, and the rank's offset in it."""
    histogram = await conn.fetch(sql, *args)
    total = sum(int(n) for _, n in histogram)
    rank, below = max((total - 1) // 2, 0), 0
    for days, n in histogram:
        if rank < below + int(n):
            return int(days), rank - below
        below += int(n)
    return 0, 0


def period(from_: date, to: date) -> tuple[datetime, datetime]:
    start = datetime.combine(from_, time(0), LOCAL_TZ).astimezone(UTC)
    end = datetime.combine(to + timedelta(days=1), time(0), LOCAL_TZ).astimezone(UTC)
    return start, end


BASELINE = "SELECT count(*) FROM cases WHERE province_code = $1 AND " + PERIOD


async def run_stats(
    client: httpx.AsyncClient,
    conn: asyncpg.Connection,
    *,
    members: list[str],
    requests: int,
    budget_s: float,
) -> dict[str, Any]:
    today = datetime.now(LOCAL_TZ).date()
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
        # The period report (by kind and category, sessions held) reads the cases themselves.
        report = await time_http(
            client, f"/v1/reports/units/{code}", params, count=requests, budget_s=budget_s
        )
        baseline = await time_sql(
            conn, BASELINE, [PROVINCE, start, end], count=requests, budget_s=budget_s
        )
        if not province:  # the commune's own lower bound: its count
            scoped = BASELINE.replace("province_code", "unit_code")
            baseline = await time_sql(
                conn, scoped, [code, start, end], count=requests, budget_s=budget_s
            )
        sql = statements(province)
        dates = [code, from_, today]
        bucket, offset = await middle_bucket(conn, sql["median: histogram"], dates)
        arguments: dict[str, list[Any]] = {
            "by unit (roll-up)": dates,
            "overdue (live)": [code, start, end, now],
            "transferred": [*dates, members] if province else dates,
            "median: histogram": dates,
            "median: bucket": [code, start, end, bucket, offset],
            "satisfaction: by kind": dates,
            "satisfaction: by day": dates,
            "recommendations (live)": [code, start, end, today],
        }
        parts: dict[str, Any] = {}
        for name, args in arguments.items():
            timing = await time_sql(conn, sql[name], args, count=3, budget_s=budget_s)
            plan = await explain(conn, sql[name], args)
            generic = await explain(conn, sql[name], args, generic=True)
            parts[name] = {"p50_ms": timing["p50_ms"], "explain": plan, "explain_generic": generic}
        scan_sql = (
            SATISFACTION_SCAN
            if province
            else SATISFACTION_SCAN.replace("province_code", "unit_code")
        )
        scan = await time_sql(conn, scan_sql, [code, start, end], count=requests, budget_s=budget_s)
        shown = (await client.get(f"/v1/stats/units/{code}", params=params)).json()
        out["shapes"].append(
            {
                "shape": label,
                "satisfaction": shown.get("satisfaction"),
                "recommendations": shown.get("recommendations"),
                "satisfaction_scan_sql": scan,
                "http": http,
                "report_http": report,
                "sql": baseline,
                "statements": parts,
                "explain_baseline": await explain(
                    conn, BASELINE if province else scoped, [code, start, end]
                ),
                "slow": http["p50_ms"] > SLOW_S * 1000,
            }
        )
    return out
