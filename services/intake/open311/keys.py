"""Open311 clients' api keys: shown once at creation, stored as SHA-256, revocable."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.cases.secrets import hash_token
from services.intake.limits.client import count_failed_key
from services.intake.open311 import repository
from services.intake.open311.models import Open311Key


async def create_key(session: AsyncSession, name: str) -> str:
    key = secrets.token_urlsafe(32)
    session.add(
        Open311Key(
            id=uuid.uuid4(), name=name, key_hash=hash_token(key), created_at=datetime.now(UTC)
        )
    )
    await session.flush()
    return key


async def revoke_key(session: AsyncSession, name: str) -> bool:
    row = await repository.key_named(session, name)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    return True


async def key_is_valid(session: AsyncSession, key: str) -> bool:
    """Whether `key` is a live api_key. A wrong one costs the client one of its few
    failed-key tokens; when they are spent, it is a 429 instead of a 403."""
    row = await repository.key_by_hash(session, hash_token(key))
    valid = row is not None and row.revoked_at is None
    if not valid:
        await count_failed_key()
    return valid
