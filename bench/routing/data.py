"""Set-based loading of routing's `cases` for the routing benchmark (one INSERT ... SELECT).

Rows look like what routing holds after months of work: the five kinds, every status in
realistic shares, due times for open work (some overdue, some undated), acceptance,
resolution against its due time, ratings, transfers, Vietnamese titles and descriptions.
`setseed` makes a run's data the same every time.
"""

from __future__ import annotations

import random
import time
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench.common.payloads import SENTENCES, TITLES
from services.routing.stats.repository.rebuild import backfill, backfill_satisfaction
from shared.geography import AdminMap, Level

QUEUE_UNIT = "06427"  # Xã Cai Kinh, Lạng Sơn
PROVINCE = "20"  # Lạng Sơn
OFFICIALS = 12  # assignees official-<unit>-01..12

# status shares (cumulative thresholds over one random draw per row)
STATUSES = (
    ("routed", 0.18), ("info_requested", 0.22), ("accepted", 0.52), ("suspended", 0.55),
    ("resolved", 0.75), ("closed", 0.92), ("rejected", 0.96), ("withdrawn", 0.99),
    ("appealed", 1.0),
)  # fmt: skip
KINDS = (
    ("feedback", 0.40), ("petition", 0.65), ("complaint", 0.90), ("denunciation", 0.95),
    ("dialogue_request", 1.0),
)  # fmt: skip


def _bucket(column: str, shares: tuple[tuple[str, float], ...]) -> str:
    arms = " ".join(f"WHEN {column} < {cut} THEN '{name}'" for name, cut in shares[:-1])
    return f"CASE {arms} ELSE '{shares[-1][0]}' END"


def texts() -> tuple[list[str], list[str]]:
    """Titles and sentences with their placeholders filled (commune names of Lạng Sơn)."""
    rng = random.Random(7)
    names = ["Xã Cai Kinh", "Phường Lương Văn Tri", "Xã Hữu Lũng", "Xã Đồng Đăng"]
    titles = [t.format(commune=n) for group in TITLES.values() for t in group for n in names]
    fill = {"commune": "Xã Cai Kinh", "province": "tỉnh Lạng Sơn"}
    sentences = [
        s.format(n=rng.randint(2, 40), m=rng.randint(100, 900), d=rng.randint(1, 28),
                 mo=rng.randint(1, 10), **fill)
        for s in SENTENCES
    ]  # fmt: skip
    return titles, sentences


# $1 unit codes, $2 their province codes (same index), $3 rows, $4 titles, $5 sentences,
# $6 tracking prefix, $7 share of rows first routed to another unit of $8 (a transfer in),
# $8 first units for transfers (any length).
INSERT = f"""
INSERT INTO cases (
    id, tracking_code, kind, title, description, category, location_unit_code, unit_code,
    first_unit_code, province_code, status, received_at, rule, reason, assignee,
    accepted_at, resolved_at, resolved_due_at, due_at, due_kind, rating_score,
    publish_consent, version)
SELECT
    gen_random_uuid(), $6 || lpad(g::text, 10, '0'), kind,
    ($4::text[])[1 + g % cardinality($4::text[])],
    ($5::text[])[1 + g % cardinality($5::text[])] || ' ' ||
        ($5::text[])[1 + (g / 7) % cardinality($5::text[])] || ' ' ||
        ($5::text[])[1 + (g / 53) % cardinality($5::text[])],
    CASE WHEN rk < 0.5 THEN 'ha_tang' WHEN rk < 0.8 THEN 'dat_dai' ELSE NULL END,
    unit, unit,
    CASE WHEN rt < $7 THEN ($8::text[])[1 + floor(rt * 1000)::int % cardinality($8::text[])]
         ELSE unit END,
    province, status, received,
    'location', 'Nơi xảy ra vụ việc thuộc địa bàn ' || unit,
    CASE WHEN status IN ('accepted', 'resolved', 'closed', 'suspended')
         THEN 'official-' || unit || '-' || lpad((1 + floor(ra * {OFFICIALS}))::text, 2, '0')
    END,
    CASE WHEN status IN ('accepted', 'suspended', 'resolved', 'closed', 'appealed')
         THEN received + (1 + rd * 9) * interval '1 day' END,
    CASE WHEN status IN ('resolved', 'closed', 'appealed')
         THEN least(received + (3 + rd * 50) * interval '1 day', now()) END,
    CASE WHEN status IN ('resolved', 'closed', 'appealed')
         THEN received + interval '30 days' END,
    CASE WHEN status IN ('routed', 'info_requested', 'accepted') AND rn >= 0.1
              THEN now() + (rd * 70 - 10) * interval '1 day'
         WHEN status = 'resolved' AND rn < 0.5 THEN now() + rd * 10 * interval '1 day'
    END,
    CASE WHEN status IN ('routed', 'info_requested') AND rn >= 0.1 THEN 'accept'
         WHEN status = 'accepted' AND rn >= 0.1 THEN 'resolve'
         WHEN status = 'resolved' AND rn < 0.5 THEN 'publish' END,
    CASE WHEN status IN ('resolved', 'closed') AND rn < 0.4 THEN 1 + floor(ra * 5)::int END,
    rk < 0.3, 1
FROM (
    SELECT g, rk, rd, ra, rn, rt, ($1::text[])[i] AS unit, ($2::text[])[i] AS province,
           {_bucket("rs", STATUSES)} AS status, {_bucket("rk", KINDS)} AS kind,
           now() - (rd * 320 + 0.1) * interval '1 day' AS received
    FROM (
        SELECT g, random() AS rs, random() AS rk, random() AS rd, random() AS ra,
               random() AS rn, random() AS rt,
               1 + floor(random() * cardinality($1::text[]))::int AS i
        FROM generate_series(1, $3::int) AS g
    ) AS draws
) AS rows
"""


async def insert(
    conn: asyncpg.Connection,
    units: list[tuple[str, str]],
    rows: int,
    prefix: str,
    *,
    transfer_share: float = 0.0,
    transfer_from: list[str] | None = None,
) -> None:
    titles, sentences = texts()
    await conn.execute(
        INSERT, [u for u, _ in units], [p for _, p in units], rows, titles, sentences, prefix,
        transfer_share, transfer_from or [units[0][0]],
    )  # fmt: skip


async def finish(conn: asyncpg.Connection) -> dict[str, Any]:
    """VACUUM ANALYZE, as autovacuum would have done long before anyone read the queue."""
    await conn.execute("VACUUM (ANALYZE) cases")
    size = await conn.fetchval("SELECT pg_size_pretty(pg_total_relation_size('cases'))")
    return {"rows": await conn.fetchval("SELECT count(*) FROM cases"), "size": size}


def other_communes(admin: AdminMap, *, exclude_province: str, count: int) -> list[tuple[str, str]]:
    communes = sorted(
        (u.code, u.parent_code or "")
        for u in admin.units.values()
        if u.level is Level.commune and u.parent_code != exclude_province
    )
    return random.Random(11).sample(communes, count)


async def load_queue(
    conn: asyncpg.Connection, admin: AdminMap, *, unit_rows: int
) -> dict[str, Any]:
    """`unit_rows` cases in QUEUE_UNIT, as many again over 400 communes of other provinces."""
    began = time.monotonic()
    await conn.execute("SELECT setseed(0.42)")
    await insert(conn, [(QUEUE_UNIT, PROVINCE)], unit_rows, "Q")
    others = other_communes(admin, exclude_province=PROVINCE, count=400)
    await insert(conn, others, unit_rows, "R")
    inserted = time.monotonic() - began
    out = await finish(conn)
    return out | {"insert_s": round(inserted, 1), "load_s": round(time.monotonic() - began, 1)}


def province_units(admin: AdminMap, province: str, agencies: list[str]) -> list[tuple[str, str]]:
    """The province's communes (each once), its departments, and the province itself."""
    communes = sorted(u.code for u in admin.units.values() if u.parent_code == province)
    return [(c, province) for c in [*communes, *agencies, province]]


async def load_stats(
    conn: asyncpg.Connection, admin: AdminMap, *, rows: int, agencies: list[str]
) -> dict[str, Any]:
    """`rows` cases in PROVINCE's units; 2 % more moved to other provinces (transfers out).
    The SQL load bypasses the service, so the figures' roll-up is then built from the cases."""
    began = time.monotonic()
    await conn.execute("SELECT setseed(0.42)")
    units = province_units(admin, PROVINCE, agencies)
    await insert(conn, units, rows, "S")
    others = other_communes(admin, exclude_province=PROVINCE, count=50)
    first = [u for u, _ in units]
    await insert(conn, others, rows // 50, "T", transfer_share=1.0, transfer_from=first)
    inserted = time.monotonic() - began
    # The migrations' own, as `stats rebuild` runs them.
    for statement in backfill("postgresql") + backfill_satisfaction("postgresql"):
        await conn.execute(statement)
    rolled = time.monotonic() - began - inserted
    recommendations = await load_recommendations(conn, units)
    await conn.execute(
        "VACUUM (ANALYZE) unit_daily_figures, unit_daily_resolutions, daily_kind_figures, "
        "recommendations"
    )
    out = await finish(conn)
    return out | {
        "insert_s": round(inserted, 1),
        "rollup_s": round(rolled, 1),
        "load_s": round(time.monotonic() - began, 1),
        "units": len(units),
        "recommendations": recommendations,
    }


# A people's inspection board makes a handful of recommendations a month (issue 17): 4 a
# month for each of the province's units over the cases' 320 days, some answered on time,
# some late, some still open past their 15 days; as many again in other provinces.
RECOMMENDATIONS = """
INSERT INTO recommendations (
    id, supervision_id, unit_code, province_code, case_id, text, reason, issued_by, issued_at,
    due_on, basis, state, outcome, answer_text, answered_by, answered_at, answered_on_time)
SELECT gen_random_uuid(), NULL, unit, province, NULL,
       'Đề nghị giải quyết đúng hạn các đơn khiếu nại về đất đai', 'Quá hạn thụ lý',
       'ban-ttnd-' || unit, issued, (issued + interval '15 days')::date, 'check',
       CASE WHEN ra < 0.8 THEN 'answered' ELSE 'open' END,
       CASE WHEN ra < 0.5 THEN 'accepted' WHEN ra < 0.7 THEN 'partly'
            WHEN ra < 0.8 THEN 'rejected' END,
       CASE WHEN ra < 0.8 THEN 'Tiếp thu' END,
       CASE WHEN ra < 0.8 THEN 'chu-tich-' || unit END,
       CASE WHEN ra < 0.8 THEN issued + (rd * 25) * interval '1 day' END,
       CASE WHEN ra < 0.8 THEN rd * 25 <= 15 END
FROM (
    SELECT ($1::text[])[i] AS unit, ($2::text[])[i] AS province, random() AS ra,
           random() AS rd, now() - (random() * 320) * interval '1 day' AS issued
    FROM generate_series(1, cardinality($1::text[])) AS i,
         generate_series(1, $3::int) AS n
) AS draws
"""


async def load_recommendations(conn: asyncpg.Connection, units: list[tuple[str, str]]) -> int:
    per_unit = 4 * 320 // 30
    await conn.execute(RECOMMENDATIONS, [u for u, _ in units], [p for _, p in units], per_unit)
    count: int = await conn.fetchval("SELECT count(*) FROM recommendations")
    return count
