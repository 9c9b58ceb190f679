"""Token buckets. In embedded mode (one process) they live in memory; on PostgreSQL they
live in intake's database (limits/shared.py), so that N replicas share one limit instead
of allowing N times the rate."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import Annotated

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from shared.context import provided
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
    # Reads (GET) per client: generous for a person, tight for a scanner. Looking a case up
    # by its code costs a token of its own bucket too, found or not (a 404 costs what a hit
    # costs), so codes cannot be enumerated.
    read_burst: int = Field(default=120, ge=1)
    read_per_minute: float = Field(default=120, gt=0)
    lookup_burst: int = Field(default=30, ge=1)
    lookup_per_minute: float = Field(default=10, gt=0)
    # Wrong Open311 api_keys per client: after these, every further wrong key is a 429.
    open311_bad_key_burst: int = Field(default=10, ge=1)
    open311_bad_key_per_minute: float = Field(default=2, gt=0)
    # Request bodies (JSON, forms); attachments get their own limit plus room for the form.
    body_max_bytes: int = Field(default=256 * 1024, ge=1024)
    # Who the client is (services/intake/limits/client.py). Behind ingress-nginx: the header
    # it sets and overwrites (X-Real-IP). Behind N proxies that append to X-Forwarded-For:
    # the entry N hops from the right. Neither: the peer address.
    client_ip_header: str = ""
    trusted_hops: int = Field(default=0, ge=0, le=10)
    # Replaced: it trusted the leftmost X-Forwarded-For entry, which the client writes.
    trust_forwarded_for: bool = False

    @model_validator(mode="after")
    def _no_leftmost_forwarded_for(self) -> LimitSettings:
        if self.trust_forwarded_for:
            raise ValueError(
                "TIEPDAN_LIMITS_TRUST_FORWARDED_FOR is no longer read (a client could write "
                "its own address): set TIEPDAN_LIMITS_CLIENT_IP_HEADER or "
                "TIEPDAN_LIMITS_TRUSTED_HOPS"
            )
        if self.client_ip_header and self.trusted_hops:
            raise ValueError(
                "set TIEPDAN_LIMITS_CLIENT_IP_HEADER or TIEPDAN_LIMITS_TRUSTED_HOPS, not both"
            )
        return self


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


class RateLimits(dict[str, RateLimiter]):
    """The limits by name (a type of its own, to be found in intake's context)."""


RateLimitsDep = Annotated[RateLimits, provided(RateLimits)]
