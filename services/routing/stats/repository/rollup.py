"""The roll-up's writes: UPSERT increments (`n = n + excluded.n`), from the mapper events of
stats/rollup.py, on their flush's connection."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def increment(connection: Connection, table: Table, change: dict[Any, dict[str, int]]) -> None:
    """Add each key's counters (key: the table's primary key values, in order)."""
    keys = [c.name for c in table.primary_key.columns]
    counters = sorted({name for values in change.values() for name in values})
    rows = [
        dict(zip(keys, key, strict=True)) | dict.fromkeys(counters, 0) | values
        for key, values in change.items()
    ]
    stmt = _upsert(table, connection.dialect.name, tuple(counters))
    # One statement per key, in key order (a multi-row VALUES need not be), sent together:
    # an executemany, which asyncpg pipelines in one round trip.
    connection.execute(stmt, rows)


@functools.lru_cache(maxsize=512)
def _upsert(table: Table, dialect: str, counters: tuple[str, ...]) -> Insert:
    """Built once per table and set of counters: `excluded` builds a new alias, with a proxy
    of every column, each time it is asked for (a fifth of routing's CPU per event)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    keys = [c.name for c in table.primary_key.columns]
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={c: table.c[c] + stmt.excluded[c] for c in counters}
    )
