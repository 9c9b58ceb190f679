"""Pooled connections are pinged only after sitting idle; a dead idle one is replaced unseen.

The pool's pre-ping cost a round trip on every checkout. Now a connection in steady use goes
straight to work, and one that sat idle (where a restart or a firewall may have closed it)
is pinged first and, if dead, quietly replaced.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_engine
from shared.outages import is_outage

pytestmark = pytest.mark.integration


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(admin_url: str, pid: int) -> None:
    admin = create_engine(admin_url, pool_size=1)
    try:
        async with admin.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()


async def test_an_idle_connection_closed_by_the_server_is_replaced_unseen(
    pg_admin_url: str,
) -> None:
    engine = create_engine(pg_admin_url, pool_size=1, ping_after_idle=0.0)  # every one "idle"
    try:
        first = await _backend_pid(engine)
        await _terminate(pg_admin_url, first)  # as a restart or an idle timeout would
        second = await _backend_pid(engine)  # no error reaches the unit of work
        assert second != first
    finally:
        await engine.dispose()


async def test_a_connection_in_steady_use_is_not_pinged(pg_admin_url: str) -> None:
    # Not pinged: the dead connection reaches the unit of work, which sees an outage (and a
    # consumer retries, a client gets 503); the pool then replaces it for the next one.
    engine = create_engine(pg_admin_url, pool_size=1, ping_after_idle=3600.0)
    try:
        first = await _backend_pid(engine)
        await _terminate(pg_admin_url, first)
        with pytest.raises(Exception) as failed:
            await _backend_pid(engine)
        assert is_outage(failed.value)
        assert await _backend_pid(engine) != first
    finally:
        await engine.dispose()


async def test_a_burst_s_connections_are_kept_for_the_next_burst(pg_admin_url: str) -> None:
    # Under load a service holds more connections than its pool size at once. Closing the
    # extra ones on return made the next burst open them again: a backend forked and a
    # SCRAM exchange on both sides each time, and every statement prepared afresh.
    engine = create_engine(pg_admin_url, pool_size=2)  # up to 4 at once

    async def burst() -> set[int]:
        connections = [await engine.connect() for _ in range(4)]
        try:
            return {
                int((await c.execute(text("SELECT pg_backend_pid()"))).scalar_one())
                for c in connections
            }
        finally:
            for c in connections:
                await c.close()

    try:
        first = await burst()
        assert len(first) == 4
        assert await burst() == first  # the same four backends, none opened again
    finally:
        await engine.dispose()
