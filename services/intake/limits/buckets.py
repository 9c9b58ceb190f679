"""Token buckets, in process: each replica counts on its own (a shared store such as Redis
would be needed for one limit across replicas; N replicas allow up to N times the rate)."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    MAX_KEYS = 100_000  # bounded memory: full buckets are forgotten first

    def __init__(
        self, burst: int, per_second: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst, self.rate, self.clock = float(burst), per_second, clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float | None:
        """Take one token: None if granted, else the seconds until one is available."""
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

    def check(self, key: str, what: str) -> None:
        wait = self.take(key)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"too many requests {what}: try again in {seconds} s",
                headers={"Retry-After": str(seconds)},
            )

    def _forget_full(self, now: float) -> None:
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * self.rate >= self.burst:
                del self._buckets[key]


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


def limiters(settings: LimitSettings) -> dict[str, RateLimiter]:
    return {
        "ip": RateLimiter(settings.ip_burst, settings.ip_per_minute / 60),
        "contact": RateLimiter(settings.contact_burst, settings.contact_per_hour / 3600),
        "open311_key": RateLimiter(
            settings.open311_key_burst, settings.open311_key_per_minute / 60
        ),
    }
