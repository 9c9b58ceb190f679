"""A read in several queries sees one moment.

The citizen's view of a case is read in several queries (the case, then its timeline, its
deadlines). Under READ COMMITTED a consumer's commit landing between two of them showed an
old status beside the new timeline; `Database.snapshot` reads them all at one moment.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from shared.db import Database

pytestmark = pytest.mark.integration


async def test_a_commit_between_two_reads_of_a_snapshot_is_not_seen(pg_admin_url: str) -> None:
    table = f"snapshot_{uuid.uuid4().hex[:12]}"
    database = Database(pg_admin_url, pool_size=2)
    try:
        async with database.transaction() as session:
            await session.execute(text(f"CREATE TABLE {table} (n int)"))
            await session.execute(text(f"INSERT INTO {table} VALUES (1)"))
        count = text(f"SELECT count(*) FROM {table}")
        async with database.snapshot() as reader:
            before = (await reader.execute(count)).scalar_one()
            async with database.transaction() as writer:  # a consumer commits meanwhile
                await writer.execute(text(f"INSERT INTO {table} VALUES (2)"))
            during = (await reader.execute(count)).scalar_one()
            with pytest.raises(Exception, match="read-only"):
                await reader.execute(text(f"INSERT INTO {table} VALUES (3)"))
        async with database.transaction() as session:
            after = (await session.execute(count)).scalar_one()
        assert (before, during, after) == (1, 1, 2)
    finally:
        async with database.transaction() as session:
            await session.execute(text(f"DROP TABLE IF EXISTS {table}"))
        await database.dispose()
