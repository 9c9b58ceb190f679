"""The shared token buckets' statements (PostgreSQL): take, read what is left, sweep.

A bucket holds `tokens` at time `at`; it refills at `rate` tokens a second up to `burst`.
Every statement computes the refill in SQL, at `now` (seconds since the epoch), so that
concurrent replicas read and write one row atomically. limits/shared.py decides when to
take and how many.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Float, Integer, bindparam, delete, func, literal, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.limits.models import rate_buckets


def _refilled(rate: float, now: float) -> ColumnElement[float]:
    return rate_buckets.c.tokens + (literal(now) - rate_buckets.c.at) * rate


async def without_waiting_for_the_disk(session: AsyncSession) -> None:
    """This transaction's commit does not wait for the WAL flush: a crash only forgets a
    few requests' tokens."""
    await session.execute(text("SET LOCAL synchronous_commit = off"))


# The take, built once (taken on every request that files a case): its values are bound.
_NOW, _RATE = bindparam("now", type_=Float), bindparam("rate", type_=Float)
_BURST, _N = bindparam("burst", type_=Float), bindparam("n", type_=Integer)
_REFILLED = rate_buckets.c.tokens + (_NOW - rate_buckets.c.at) * _RATE
_TAKE = (
    insert(rate_buckets)
    .values(scope=bindparam("scope"), key=bindparam("key"), tokens=_BURST - _N, at=_NOW)
    .on_conflict_do_update(
        index_elements=[rate_buckets.c.scope, rate_buckets.c.key],
        set_={"tokens": func.least(_REFILLED, _BURST) - _N, "at": _NOW},
        where=_REFILLED >= _N,
    )
    .returning(rate_buckets.c.tokens)
)


async def take(
    session: AsyncSession, scope: str, key: str, n: int, *, burst: float, rate: float, now: float
) -> bool:
    """Take `n` tokens from the bucket if it holds that many (a new bucket is full): one
    atomic UPSERT, no row back when refused."""
    values = {"scope": scope, "key": key, "n": n, "burst": burst, "rate": rate, "now": now}
    return (await session.scalar(_TAKE, values)) is not None


async def tokens_left(
    session: AsyncSession, scope: str, key: str, *, burst: float, rate: float, now: float
) -> float:
    """The tokens the bucket holds at `now` (0 for no row)."""
    left = await session.scalar(
        select(func.least(_refilled(rate, now), burst)).where(
            rate_buckets.c.scope == scope, rate_buckets.c.key == key
        )
    )
    return float(left or 0.0)


async def delete_full(
    session: AsyncSession, scope: str, *, burst: float, rate: float, now: float
) -> None:
    """Delete the scope's buckets that have refilled (a missing row is a full bucket)."""
    full = (
        select(rate_buckets.c.key)
        .where(rate_buckets.c.scope == scope, _refilled(rate, now) >= burst)
        .with_for_update(skip_locked=True)  # never wait for a request in flight
    )
    await session.execute(
        delete(rate_buckets).where(rate_buckets.c.scope == scope, rate_buckets.c.key.in_(full))
    )
