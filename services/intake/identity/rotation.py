"""Identity key rotation over everything sealed with the identity keys: the submitters'
identities and the sealed idempotent answers (they hold a case's access token). Expired
answers are deleted first: nothing is re-encrypted that should be gone.

Each kind is re-encrypted in batches, one transaction per batch, so a rotation can be
stopped and re-run; `progress(kind, done, total)` is told after each batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from services.intake.cases.secrets import IdentityCipher
from services.intake.identity import repository
from shared.db import Database

Progress = Callable[[str, int, int], None]
IDENTITIES, ANSWERS = "identities", "sealed answers"


def _quiet(kind: str, done: int, total: int) -> None:
    return None


async def purge_expired_answers(database: Database, ttl: timedelta) -> int:
    """Delete idempotent answers older than `ttl`: their keys are fresh again."""
    async with database.transaction() as session:
        return await repository.purge_answers(session, datetime.now(UTC) - ttl)


async def count_sealed(database: Database) -> dict[str, int]:
    async with database.sessions() as session:
        identities = await repository.count_identities(session)
        answers = await repository.count_sealed_answers(session)
    return {IDENTITIES: identities, ANSWERS: answers}


async def rotate_answers(
    database: Database,
    cipher: IdentityCipher,
    *,
    batch_size: int = 500,
    progress: Progress = _quiet,
    total: int = 0,
) -> int:
    """Re-seal every stored idempotent answer with the newest key."""
    done, last = 0, ""
    while True:
        async with database.transaction() as session:
            rows = await repository.sealed_answers_after(session, last, batch_size)
            for row in rows:
                response = dict(row.response or {})
                if "sealed" in response:
                    sealed = cipher.rotate(str(response["sealed"]).encode())
                    row.response = {**response, "sealed": sealed.decode()}
            done += len(rows)
        progress(ANSWERS, done, total)
        if len(rows) < batch_size:
            return done
        last = rows[-1].key


async def rotate_identities(
    database: Database,
    cipher: IdentityCipher,
    *,
    batch_size: int = 500,
    progress: Progress = _quiet,
    total: int = 0,
) -> int:
    """Re-encrypt every submitter's identity with the newest key."""
    done = 0
    last: uuid.UUID | None = None
    while True:
        async with database.transaction() as session:
            rows = await repository.submitters_after(session, last, batch_size)
            for row in rows:
                row.ciphertext = cipher.rotate(row.ciphertext)
            done += len(rows)
        progress(IDENTITIES, done, total)
        if len(rows) < batch_size:
            return done
        last = rows[-1].case_id


async def rotate_everything(
    database: Database,
    cipher: IdentityCipher,
    *,
    answers_ttl: timedelta,
    batch_size: int = 500,
    progress: Progress = _quiet,
) -> dict[str, int]:
    """Purge expired answers, then re-encrypt identities and answers; returns the counts."""
    purged = await purge_expired_answers(database, answers_ttl)
    totals = await count_sealed(database)
    for kind, total in totals.items():
        progress(kind, 0, total)
    identities = await rotate_identities(
        database, cipher, batch_size=batch_size, progress=progress, total=totals[IDENTITIES]
    )
    answers = await rotate_answers(
        database, cipher, batch_size=batch_size, progress=progress, total=totals[ANSWERS]
    )
    return {IDENTITIES: identities, ANSWERS: answers, "expired answers deleted": purged}
