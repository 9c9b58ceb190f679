"""The roll-up recomputed from the cases, in SQL: one INSERT ... SELECT ... GROUP BY per table.

The migrations' backfill, the benchmark's loader and `tiepdan stats rebuild` (stats/rebuild.py)
all run these statements; stats/rollup.py keeps the same definitions in Python for each change.
"""

from __future__ import annotations

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
# rollup.satisfied: rated 4-5 of 5.
SATISFIED = "rating_score >= 4"
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


def backfill_satisfaction(dialect: str) -> list[str]:
    """Fill the satisfaction counters (migration 0006) of rows `backfill` inserted: only the
    rated cases are read. Kept apart so that migration 0004, which runs `backfill` before
    these columns exist, stays as it was."""
    day = LOCAL_DAY[dialect]
    figures = f"""
        UPDATE unit_daily_figures SET satisfied = s.n
        FROM (SELECT unit_code, {day} AS day, province_code,
                     coalesce(first_unit_code, '') AS first_unit_code, count(*) AS n
              FROM cases WHERE {SATISFIED} GROUP BY 1, 2, 3, 4) AS s
        WHERE unit_daily_figures.unit_code = s.unit_code AND unit_daily_figures.day = s.day
          AND unit_daily_figures.province_code = s.province_code
          AND unit_daily_figures.first_unit_code = s.first_unit_code"""
    rated = f"""count(*) AS ratings, sum(CASE WHEN {SATISFIED} THEN 1 ELSE 0 END) AS satisfied
              FROM cases WHERE rating_score IS NOT NULL"""
    kinds = f"""
        UPDATE daily_kind_figures SET ratings = s.ratings, satisfied = s.satisfied
        FROM (SELECT 'unit' AS scope, unit_code AS code, {day} AS day, kind,
                     coalesce(category, '') AS category, {rated} GROUP BY 2, 3, 4, 5
              UNION ALL
              SELECT 'province', province_code, {day}, kind, coalesce(category, ''), {rated}
              GROUP BY 2, 3, 4, 5) AS s
        WHERE daily_kind_figures.scope = s.scope AND daily_kind_figures.code = s.code
          AND daily_kind_figures.day = s.day AND daily_kind_figures.kind = s.kind
          AND daily_kind_figures.category = s.category"""
    return [figures, kinds]


async def lock_cases(session: AsyncSession) -> None:
    """Make steps wait until the transaction ends (PostgreSQL only)."""
    await session.execute(text("LOCK TABLE cases IN SHARE MODE"))


async def empty(session: AsyncSession) -> None:
    for table in TABLES:
        await session.execute(text(f"DELETE FROM {table}"))  # constant names


async def run(session: AsyncSession, statement: str) -> None:
    """One of `backfill`'s or `backfill_satisfaction`'s statements."""
    await session.execute(text(statement))


async def rows(session: AsyncSession, table: str) -> int:
    """The rows of one of TABLES."""
    if table not in TABLES:
        raise ValueError(f"not a roll-up table: {table}")
    return int(await session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
