"""Token buckets in intake's PostgreSQL database: one limit across every intake replica.

A bucket is a row (scope, key, tokens, at). Taking a token is one atomic UPSERT that refills
the bucket for the time since `at`, caps it at the burst and takes one, only when at least
one is there; no row back means refused. Keys are hashes (a contact key already is; client
IPs and api_keys are hashed here): the table holds no address. Full buckets are deleted now
and then, so the table holds only the keys active in the last burst/rate seconds.
"""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import Column, Float, String, Table, delete, func, literal, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.database import Base
from services.intake.limits.buckets import LimitSettings, RateLimiter
from shared.db import Database

SWEEP_EVERY = 1000  # takes between two deletions of full buckets


# Seconds since the epoch in `at`: every replica's clock (kept in step by NTP).
rate_buckets = Table(
    "rate_buckets",
    Base.metadata,
    Column("scope", String(16), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("at", Float, nullable=False),
)


class SharedRateLimiter(RateLimiter):
    shared = True

    def __init__(self, burst: int, per_second: float, *, scope: str) -> None:
        super().__init__(burst, per_second, time.time, scope=scope)
        self._takes = 0

    async def take_apart(self, key: str, database: Database) -> float | None:
        # A lost update on a crash only forgets a few requests: no need to wait for the disk.
        async with database.transaction() as session:
            await session.execute(text("SET LOCAL synchronous_commit = off"))
            return await self.take(key, session)

    async def take(self, key: str, session: AsyncSession | None = None) -> float | None:
        if session is None:
            raise TypeError("a shared limiter counts in a database session")
        now = self.clock()
        digest = hashlib.sha256(key.encode()).hexdigest()
        bucket = rate_buckets
        refilled = bucket.c.tokens + (literal(now) - bucket.c.at) * self.rate
        capped = func.least(refilled, self.burst)
        taken = await session.scalar(
            insert(bucket)
            .values(scope=self.scope, key=digest, tokens=self.burst - 1, at=now)
            .on_conflict_do_update(
                index_elements=[bucket.c.scope, bucket.c.key],
                set_={"tokens": capped - 1, "at": now},
                where=refilled >= 1,
            )
            .returning(bucket.c.tokens)
        )
        self._takes += 1
        if self._takes % SWEEP_EVERY == 0:
            full = (
                select(bucket.c.key)
                .where(bucket.c.scope == self.scope, refilled >= self.burst)
                .with_for_update(skip_locked=True)  # never wait for a request in flight
            )
            await session.execute(
                delete(bucket).where(bucket.c.scope == self.scope, bucket.c.key.in_(full))
            )
        if taken is not None:
            return None
        left = await session.scalar(
            select(func.least(refilled, self.burst)).where(
                bucket.c.scope == self.scope, bucket.c.key == digest
            )
        )
        return (1 - float(left or 0.0)) / self.rate


def limiters(settings: LimitSettings, *, shared: bool) -> dict[str, RateLimiter]:
    """The limits by name; `shared` (PostgreSQL) keeps their buckets in intake's database."""
    kind = SharedRateLimiter if shared else RateLimiter
    return {
        "ip": kind(settings.ip_burst, settings.ip_per_minute / 60, scope="ip"),
        "read": kind(settings.read_burst, settings.read_per_minute / 60, scope="read"),
        "lookup": kind(settings.lookup_burst, settings.lookup_per_minute / 60, scope="lookup"),
        "open311_bad_key": kind(
            settings.open311_bad_key_burst,
            settings.open311_bad_key_per_minute / 60,
            scope="open311_badkey",
        ),
        "contact": kind(settings.contact_burst, settings.contact_per_hour / 3600, scope="contact"),
        "open311_key": kind(
            settings.open311_key_burst, settings.open311_key_per_minute / 60, scope="open311_key"
        ),
    }
