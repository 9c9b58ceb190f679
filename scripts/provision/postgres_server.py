"""PostgreSQL: is the server answering (scripts/postgres.sh start, status, and a pre-set
one), and may the role create the tests' databases."""

from __future__ import annotations

import asyncio
import sys

from waiting import until_answered


def probe(url: str, timeout: float) -> int:
    """A real client connects and runs a query."""
    import asyncpg  # type: ignore[import-untyped]

    async def once() -> None:
        conn = await asyncpg.connect(url, timeout=5)
        try:
            can_create = await conn.fetchval(
                "select rolsuper or rolcreatedb from pg_roles where rolname = current_user"
            )
        finally:
            await conn.close()
        if not can_create:
            print(
                "warning: this role can neither CREATE DATABASE nor is it a superuser",
                file=sys.stderr,
            )

    return asyncio.run(
        until_answered(once, timeout=timeout, failure=lambda last: f"cannot connect: {last!r}")
    )
