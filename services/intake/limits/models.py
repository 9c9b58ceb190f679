"""The shared rate limiter's table (migration 0003): one token bucket a row."""

from __future__ import annotations

from sqlalchemy import Column, Float, String, Table

from services.intake.database import Base

# Seconds since the epoch in `at`: every replica's clock (kept in step by NTP). `key` is a
# hash (limits/shared.py): the table holds no address.
rate_buckets = Table(
    "rate_buckets",
    Base.metadata,
    Column("scope", String(16), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("at", Float, nullable=False),
)
