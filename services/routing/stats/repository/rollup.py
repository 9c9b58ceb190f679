"""The roll-up's writes: UPSERT increments (`n = n + excluded.n`), from the mapper events of
stats/rollup.py, on their flush's connection. The statement is cases/repository.py's, which
also adds a new case's rows in the case's own statement (`add_routed`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection

from services.routing.cases.repository import increments


def rows_of(table: Table, change: dict[Any, dict[str, int]]) -> list[dict[str, Any]]:
    """Each key's row (key: the table's primary key values, in order), with every counter any
    key changes (0 where this key's does not move)."""
    keys = [c.name for c in table.primary_key.columns]
    counters = sorted({name for values in change.values() for name in values})
    return [
        dict(zip(keys, key, strict=True)) | dict.fromkeys(counters, 0) | values
        for key, values in change.items()
    ]


def increment(connection: Connection, table: Table, change: dict[Any, dict[str, int]]) -> None:
    """Add each key's counters (key: the table's primary key values, in order)."""
    rows = rows_of(table, change)
    counters = tuple(sorted({name for values in change.values() for name in values}))
    stmt = increments(table, connection.dialect.name, counters)
    # One statement per key, in key order (a multi-row VALUES need not be), sent together:
    # an executemany, which asyncpg pipelines in one round trip.
    connection.execute(stmt, rows)
