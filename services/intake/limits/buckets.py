"""Token buckets. In embedded mode (one process) they live in memory; on PostgreSQL they
live in intake's database (limits/shared.py), so that N replicas share one limit instead
of allowing N times the rate."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.errors import TooManyRequests


class LimitSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIEPDAN_LIMITS_", extra="ignore")

    # Writes (POST) per client IP. Reception desks and hotlines file for many people from
    # one address: generous, and adjustable.
    ip_burst: int = Field(default=60, ge=1)
    ip_per_minute: float = Field(default=30, gt=0)
    # New cases per contact (phone or email): one person, not a flood of look-alike cases.
    contact_burst: int = Field(default=5, ge=1)
    contact_per_hour: float = Field(default=10, gt=0)
    # Open311 clients are apps serving many citizens: limited per api_key, not per IP.
    open311_key_burst: int = Field(default=300, ge=1)
    open311_key_per_minute: float = Field(default=120, gt=0)
    # Request bodies (JSON, forms); attachments get their own limit plus room for the form.
    body_max_bytes: int = Field(default=256 * 1024, ge=1024)
    # Behind a trusted proxy, the client is the first X-Forwarded-For address.
    trust_forwarded_for: bool = False


class RateLimiter:
    """In process: one replica's own count (embedded mode, tests)."""

    MAX_KEYS = 100_000  # bounded memory: full buckets are forgotten first
    shared = False

    def __init__(
        self,
        burst: int,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        scope: str = "",
    ) -> None:
        self.burst, self.rate, self.clock, self.scope = float(burst), per_second, clock, scope
        self._buckets: dict[str, tuple[float, float]] = {}

    async def take(self, key: str, session: AsyncSession | None = None) -> float | None:
        """Take one token: None if granted, else the seconds until one is available."""
        return self.take_now(key)

    def take_now(self, key: str) -> float | None:
        now = self.clock()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > self.MAX_KEYS:
                self._forget_full(now)
            return None
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate

    async def take_apart(self, key: str, database: Database) -> float | None:
        """Like take, in a transaction of its own where the limiter is shared."""
        return self.take_now(key)

    async def check(self, key: str, what: str, session: AsyncSession | None = None) -> None:
        """Raise 429 with Retry-After when `key` has no token left. A shared limiter counts in
        `session`'s transaction: a request that fails later gives its token back."""
        _refuse_after(await self.take(key, session), what)

    async def check_apart(self, key: str, what: str, database: Database) -> None:
        """Like check, but the token is spent whatever happens to the request."""
        _refuse_after(await self.take_apart(key, database), what)

    def _forget_full(self, now: float) -> None:
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * self.rate >= self.burst:
                del self._buckets[key]


def _refuse_after(wait: float | None, what: str) -> None:
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"too many requests {what}: try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )


def contact_key(phone: str | None, email: str | None) -> str | None:
    """A contact's bucket key, hashed: the limiter never holds a phone number or address."""
    parts = []
    if phone:
        parts.append("p:" + "".join(c for c in phone if c.isdigit())[-9:])
    if email:
        parts.append("e:" + email.strip().lower())
    if not parts:
        return None
    return hashlib.sha256("|".join(sorted(parts)).encode()).hexdigest()
