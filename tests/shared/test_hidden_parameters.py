"""A failed statement's error, which services log, never carries the statement's values:
they are citizens' words and identities (Luật Tố cáo Điều 8, 47: a denouncer's identity)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.db import create_engine

SECRET = "Nguyễn Văn Tố Cáo, 0912345678"


async def _fails_with(url: str) -> str:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            with pytest.raises(DBAPIError) as failed:
                # A value that breaks its statement (no such table), as a failing insert does.
                await conn.execute(text("INSERT INTO no_such_table VALUES (:who)"), {"who": SECRET})
        return str(failed.value)
    finally:
        await engine.dispose()


@pytest.mark.integration
async def test_postgresql_errors_hide_the_values(pg_admin_url: str) -> None:
    said = await _fails_with(pg_admin_url)
    assert "no_such_table" in said  # the error still says what failed
    assert SECRET not in said and "0912345678" not in said


async def test_sqlite_errors_hide_the_values(tmp_path: Path) -> None:
    said = await _fails_with(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert "no_such_table" in said
    assert SECRET not in said and "0912345678" not in said
