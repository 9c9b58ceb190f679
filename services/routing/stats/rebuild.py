"""The roll-up recomputed from the cases, in SQL: one INSERT ... SELECT ... GROUP BY per table.

The migration's backfill, the benchmark's loader and `tiepdan stats rebuild` all run these
statements; rollup.py keeps the same definitions in Python for each change.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

LOCAL_DAY = {
    "postgresql": "(received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date",
    "sqlite": "date(received_at, '+7 hours')",  # Vietnam: UTC+7, no daylight saving, since 1975
}


def _micros(column: str) -> str:
    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff': exact integers, where julianday() rounds.
    return (
        f"(CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) * 1000000"
        f" + CAST(substr({column}, 21, 6) AS INTEGER))"
    )


# Whole days from receipt to resolution, exactly as rollup.resolved_days counts them: a
# case's histogram bucket must be the one the median's query finds it in. PostgreSQL's text
# is also an index expression (migration 0004): queries must use it verbatim.
RESOLVED_DAYS = {
    "postgresql": "greatest(0, div(extract(epoch FROM resolved_at - received_at), 86400))::int",
    "sqlite": f"max(0, ({_micros('resolved_at')} - {_micros('received_at')}) / 86400000000)",
}
# rollup.on_time: resolved with no deadline missed (none running counts as none missed).
ON_TIME = (
    "CASE WHEN resolved_at IS NOT NULL AND (resolved_due_at IS NULL "
    "OR resolved_at <= resolved_due_at) THEN 1 ELSE 0 END"
)
TABLES = ("unit_daily_figures", "unit_daily_resolutions", "daily_kind_figures")


def backfill(dialect: str) -> list[str]:
    """The statements that fill the (empty) roll-up tables from `cases`."""
    day, days = LOCAL_DAY[dialect], RESOLVED_DAYS[dialect]
    figures = f"""
        INSERT INTO unit_daily_figures (
            unit_code, day, province_code, first_unit_code, received, accepted, rejected,
            resolved, resolved_on_time, rating_sum, ratings)
        SELECT unit_code, {day}, province_code, coalesce(first_unit_code, ''), count(*),
            count(accepted_at), sum(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END),
            count(resolved_at), sum({ON_TIME}),
            coalesce(sum(rating_score), 0), count(rating_score)
        FROM cases GROUP BY 1, 2, 3, 4"""
    resolutions = f"""
        INSERT INTO unit_daily_resolutions (scope, code, day, days, cases)
        SELECT 'unit', unit_code, {day}, {days}, count(*)
        FROM cases WHERE resolved_at IS NOT NULL GROUP BY 2, 3, 4
        UNION ALL
        SELECT 'province', province_code, {day}, {days}, count(*)
        FROM cases WHERE resolved_at IS NOT NULL GROUP BY 2, 3, 4"""
    counters = f"""count(*), count(accepted_at),
            sum(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END),
            sum(CASE WHEN status = 'withdrawn' THEN 1 ELSE 0 END), count(resolved_at),
            sum({ON_TIME})"""
    kinds = f"""
        INSERT INTO daily_kind_figures (scope, code, day, kind, category, received, accepted,
            rejected, withdrawn, resolved, resolved_on_time)
        SELECT 'unit', unit_code, {day}, kind, coalesce(category, ''), {counters}
        FROM cases GROUP BY 2, 3, 4, 5
        UNION ALL
        SELECT 'province', province_code, {day}, kind, coalesce(category, ''), {counters}
        FROM cases GROUP BY 2, 3, 4, 5"""
    return [figures, resolutions, kinds]


async def rebuild(session: AsyncSession, say: Callable[[str], None] = lambda _: None) -> None:
    """Recompute the roll-up in the caller's transaction; cases cannot change meanwhile."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":  # steps wait (SQLite's BEGIN IMMEDIATE already excludes them)
        say("waiting for the steps under way (LOCK TABLE cases IN SHARE MODE)")
        await session.execute(text("LOCK TABLE cases IN SHARE MODE"))
    for table in TABLES:
        await session.execute(text(f"DELETE FROM {table}"))  # constant names
    for table, statement in zip(TABLES, backfill(dialect), strict=True):
        say(f"computing {table}")
        await session.execute(text(statement))
    for table in TABLES:
        rows = await session.scalar(text(f"SELECT count(*) FROM {table}"))
        say(f"{table}: {rows:,} rows")
