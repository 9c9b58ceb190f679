"""Set-based loading of open deadlines and their timers for `python -m bench.timers`.

Every deadline is a running petition clock (`petition.forward.2008`, officials' side, so a
breach escalates) with the three timers `timers/schedule.py` plans: `warning:3`, `warning:1`
and `breach`. One deadline in `stride` (= open / due) has exactly one timer due at `now`:
alternately its `warning:1` (due tomorrow, reminder at 08:00 today) or its `breach` (due
yesterday, breached at midnight); its earlier reminders are already `fired`. All the others
are due 4 to 63 days ahead, with every timer pending in the future. The due ones are spread
evenly through the table, not packed at its start.
"""

from __future__ import annotations

import time
from datetime import date, datetime

import asyncpg  # type: ignore[import-untyped]

TZ = "Asia/Ho_Chi_Minh"
UNITS = 700  # distinct handling units (5-digit commune-level codes)
PROVINCES = 63
BASIS = "Luật Tiếp công dân 2013; Nghị định 64/2014/NĐ-CP, Điều 28 (chuyển đơn)"

_DEADLINES = f"""
INSERT INTO deadlines (id, case_id, case_kind, step, round, unit_code, province_code,
    policy_id, basis, starts_on, due_on, due_at, state, created_at, day_unit, duration,
    anchor_on, used_days, extensions, updated_at)
SELECT md5('d' || i)::uuid, md5('c' || i)::uuid, 'petition', 'forward', 0, unit, province,
    'petition.forward.2008', $5, due_on - 10, due_on,
    (due_on + time '23:59:59.999999') AT TIME ZONE '{TZ}', 'running', $3, 'working_days', 10,
    due_on - 10, 0, 0, $3
FROM (
    SELECT i,
        CASE WHEN i % $2 = 0
             THEN CASE WHEN (i / $2) % 2 = 0 THEN $4::date + 1 ELSE $4::date - 1 END
             ELSE $4::date + 4 + i % 60 END AS due_on,
        lpad((i % {UNITS})::text, 5, '0') AS unit,
        lpad((i % {PROVINCES} + 1)::text, 2, '0') AS province
    FROM generate_series(1, $1::int) AS i
) AS s
"""

_TRACKED = f"""
INSERT INTO tracked_cases (case_id, tracking_code, kind, unit_code, province_code,
    received_on, second_time, remote, contact_ref, language, updated_at)
SELECT md5('c' || i)::uuid, 'TD' || lpad(i::text, 8, '0'), 'petition',
    lpad((i % {UNITS})::text, 5, '0'), lpad((i % {PROVINCES} + 1)::text, 2, '0'),
    $2::date - 10, false, false, NULL, 'vi', $3
FROM generate_series(1, $1::int) AS i
"""

# fire_at before today's local midnight: an earlier reminder, already fired.
_TIMERS = f"""
INSERT INTO timers (id, deadline_id, case_id, kind, due_at, fire_at, state, claimed_by,
    lease_until, attempts, fired_at, last_error)
SELECT md5(d.id::text || k.kind)::uuid, d.id, d.case_id, k.kind, d.due_at, f.fire_at,
    CASE WHEN f.fire_at < $1 THEN 'fired' ELSE 'pending' END, NULL, NULL,
    CASE WHEN f.fire_at < $1 THEN 1 ELSE 0 END,
    CASE WHEN f.fire_at < $1 THEN f.fire_at END, NULL
FROM deadlines AS d
CROSS JOIN (VALUES ('warning:3', 3), ('warning:1', 1), ('breach', 0)) AS k(kind, days)
CROSS JOIN LATERAL (
    SELECT CASE WHEN k.days = 0 THEN d.due_at + interval '1 microsecond'
                ELSE ((d.due_on - k.days) + time '08:00') AT TIME ZONE '{TZ}' END AS fire_at
) AS f
"""

_CONTACTS = f"""
INSERT INTO unit_contacts (unit_code, channel, address, language)
SELECT code, 'email', 'don-thu-' || code || '@example.gov.vn', 'vi'
FROM (
    SELECT lpad(u::text, 5, '0') FROM generate_series(0, {UNITS - 1}) AS u
    UNION ALL SELECT lpad(p::text, 2, '0') FROM generate_series(1, {PROVINCES}) AS p
) AS c(code)
"""


def today_midnight(today: date) -> datetime:
    from shared.dates import LOCAL_TZ

    return datetime.combine(today, datetime.min.time(), tzinfo=LOCAL_TZ)


async def load(dsn: str, *, open_: int, due: int, today: date, now: datetime) -> dict[str, float]:
    """Insert `open_` deadlines (and cases, timers, contacts); `due` timers due at `now`.
    Returns seconds per step."""
    if due <= 0 or open_ % due:
        raise ValueError("open deadlines must be a multiple of the due timers")
    stride = open_ // due
    took: dict[str, float] = {}
    conn = await asyncpg.connect(dsn)
    try:
        for name, sql, args in (
            ("tracked_cases", _TRACKED, (open_, today, now)),
            ("deadlines", _DEADLINES, (open_, stride, now, today, BASIS)),
            ("timers", _TIMERS, (today_midnight(today),)),
            ("unit_contacts", _CONTACTS, ()),
            ("analyze", "ANALYZE", ()),
        ):
            began = time.monotonic()
            await conn.execute(sql, *args)
            took[name] = round(time.monotonic() - began, 2)
    finally:
        await conn.close()
    return took


async def census(dsn: str, now: datetime) -> dict[str, int]:
    """What the database holds: rows per table, and the timers due at `now`."""
    conn = await asyncpg.connect(dsn)
    try:
        counts = {
            t: int(await conn.fetchval(f"SELECT count(*) FROM {t}"))  # fixed table names
            for t in ("tracked_cases", "deadlines", "timers", "unit_contacts")
        }
        counts["timers_pending"] = int(
            await conn.fetchval("SELECT count(*) FROM timers WHERE state = 'pending'")
        )
        counts["timers_due"] = int(
            await conn.fetchval(
                "SELECT count(*) FROM timers WHERE state = 'pending' AND fire_at <= $1", now
            )
        )
        return counts
    finally:
        await conn.close()


async def claim_plan(dsn: str, now: datetime, batch: int) -> str:
    """EXPLAIN of the sweeper's claim query (as `TimerSweeper.claim` builds it), not executed."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "EXPLAIN SELECT id FROM timers WHERE state = 'pending' AND fire_at <= $1"
            " AND (lease_until IS NULL OR lease_until < $1) ORDER BY fire_at LIMIT $2"
            " FOR UPDATE SKIP LOCKED",
            now,
            batch,
        )
        return "\n".join(str(r[0]) for r in rows)
    finally:
        await conn.close()


async def outcome(dsn: str) -> dict[str, dict[str, int]]:
    """After the sweeps: outbox rows per event type, timers per state, notices per template."""
    conn = await asyncpg.connect(dsn)
    try:
        result: dict[str, dict[str, int]] = {}
        for key, sql in (
            ("outbox", "SELECT event_type, count(*) FROM outbox GROUP BY 1"),
            ("timers", "SELECT state, count(*) FROM timers GROUP BY 1"),
            ("notifications", "SELECT template, count(*) FROM notifications GROUP BY 1"),
            ("deadlines", "SELECT state, count(*) FROM deadlines GROUP BY 1"),
        ):
            result[key] = {str(r[0]): int(r[1]) for r in await conn.fetch(sql)}
        return result
    finally:
        await conn.close()
