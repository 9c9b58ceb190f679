"""`tiepdan stats rebuild`: the roll-up recomputed from the cases, in the caller's
transaction (the statements: repository/rebuild.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.stats.repository import rebuild as statements


async def rebuild(session: AsyncSession, say: Callable[[str], None] = lambda _: None) -> None:
    """Recompute the roll-up in the caller's transaction; cases cannot change meanwhile."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":  # steps wait (SQLite's BEGIN IMMEDIATE already excludes them)
        say("waiting for the steps under way (LOCK TABLE cases IN SHARE MODE)")
        await statements.lock_cases(session)
    await statements.empty(session)
    for table, statement in zip(statements.TABLES, statements.backfill(dialect), strict=True):
        say(f"computing {table}")
        await statements.run(session, statement)
    say("counting the ratings")
    for statement in statements.backfill_satisfaction(dialect):
        await statements.run(session, statement)
    for table in statements.TABLES:
        say(f"{table}: {await statements.rows(session, table):,} rows")
