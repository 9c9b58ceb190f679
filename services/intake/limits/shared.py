"""Token buckets in intake's PostgreSQL database: one limit across every intake replica.

A bucket is a row (scope, key, tokens, at). Taking tokens is one atomic UPSERT that refills
the bucket for the time since `at`, caps it at the burst and takes them, only when that many
are there; no row back means refused (the statements: limits/repository.py). Keys are
hashes (a contact key already is; client IPs and api_keys are hashed here): the table holds
no address. Full buckets are deleted now and then, so the table holds only the keys active
in the last burst/rate seconds.

At the door (`take_apart`), a replica takes a client's tokens in blocks of about a tenth of
the burst and spends them from memory, so that one busy address does not make every request
lock its row. Tokens are taken from the shared bucket before they are spent, so replicas
together never grant more than the limit; a block not spent within LEASE_SECONDS is
dropped (the client loses at most a block, and refills at the normal rate).
"""

from __future__ import annotations

import hashlib
import time

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.limits import repository
from services.intake.limits.buckets import LimitSettings, RateLimiter, RateLimits
from shared.db import Database

SWEEP_EVERY = 1000  # takes between two deletions of full buckets
LEASE_SECONDS = 2.0


class SharedRateLimiter(RateLimiter):
    shared = True

    def __init__(
        self, burst: int, per_second: float, *, scope: str, block: int | None = None
    ) -> None:
        super().__init__(burst, per_second, time.time, scope=scope)
        self._takes = 0
        self.block = block if block is not None else max(1, min(burst // 10, 20))
        self._leases: dict[str, tuple[int, float]] = {}  # key -> (tokens held, until)

    async def take_apart(self, key: str, database: Database) -> float | None:
        now = time.monotonic()
        held, until = self._leases.get(key, (0, 0.0))
        if held > 0 and now < until:
            self._leases[key] = (held - 1, until)
            return None
        # A lost update on a crash only forgets a few requests: no need to wait for the disk.
        async with database.transaction() as session:
            await repository.without_waiting_for_the_disk(session)
            got = await self._take(session, key, self.block) if self.block > 1 else 0
            if not got:
                return await self.take(key, session)
        if len(self._leases) >= self.MAX_KEYS:
            self._leases = {k: v for k, v in self._leases.items() if v[1] > now}
        self._leases[key] = (got - 1, now + LEASE_SECONDS)
        return None

    async def take(self, key: str, session: AsyncSession | None = None) -> float | None:
        if session is None:
            raise TypeError("a shared limiter counts in a database session")
        if await self._take(session, key, 1):
            return None
        left = await repository.tokens_left(
            session, self.scope, _hashed(key), burst=self.burst, rate=self.rate, now=self.clock()
        )
        return (1 - left) / self.rate

    async def _take(self, session: AsyncSession, key: str, n: int) -> int:
        """Take `n` tokens if the bucket holds that many: n, else 0 (nothing taken)."""
        now, burst, rate = self.clock(), self.burst, self.rate
        taken = await repository.take(
            session, self.scope, _hashed(key), n, burst=burst, rate=rate, now=now
        )
        self._takes += 1
        if self._takes % SWEEP_EVERY == 0:
            await repository.delete_full(session, self.scope, burst=burst, rate=rate, now=now)
        return n if taken else 0


def _hashed(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def limiters(settings: LimitSettings, *, shared: bool) -> RateLimits:
    """The limits by name; `shared` (PostgreSQL) keeps their buckets in intake's database."""
    kind = SharedRateLimiter if shared else RateLimiter
    return RateLimits(
        {
            "ip": kind(settings.ip_burst, settings.ip_per_minute / 60, scope="ip"),
            "read": kind(settings.read_burst, settings.read_per_minute / 60, scope="read"),
            "lookup": kind(settings.lookup_burst, settings.lookup_per_minute / 60, scope="lookup"),
            "open311_bad_key": kind(
                settings.open311_bad_key_burst,
                settings.open311_bad_key_per_minute / 60,
                scope="open311_badkey",
            ),
            "contact": kind(
                settings.contact_burst, settings.contact_per_hour / 3600, scope="contact"
            ),
            "open311_key": kind(
                settings.open311_key_burst,
                settings.open311_key_per_minute / 60,
                scope="open311_key",
            ),
        }
    )
