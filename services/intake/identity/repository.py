from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Executable, Table, bindparam, delete, func, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.cases.models import IdempotencyRecord, Submitter
from services.intake.identity.models import SubmitterRead
from shared.db import dialect_of, named_values, row_params

_SUBMITTERS = cast(Table, Submitter.__table__)
_READS = cast(Table, SubmitterRead.__table__)
_LOG_READ = insert(_READS)


_BY_CONTACTS = select(
    _SUBMITTERS.c.contact_ref_hash, _SUBMITTERS.c.case_id, _SUBMITTERS.c.ciphertext
).where(_SUBMITTERS.c.contact_ref_hash.in_(bindparam("ref_hashes", expanding=True)))


async def read_by_contacts(
    session: AsyncSession, ref_hashes: list[str], read: dict[str, Any]
) -> dict[str, bytes]:
    """The encrypted identities of the contact references hashed in `ref_hashes`, by hash,
    each read logged as `read` (its columns but id and case_id); unknown ones are left out,
    and not logged. Notification asks at delivery time, for one citizen or for a claim's at
    once: one statement on PostgreSQL (the hashes as one array parameter, the reads logged
    in a data-modifying CTE), built once; two on SQLite."""
    if dialect_of(session) == "postgresql":
        params = {"ref_hashes": ref_hashes, **named_values({"read": read})}
        found = await session.execute(_read_many_and_log(tuple(sorted(read))), params)
        return {row.contact_ref_hash: bytes(row.ciphertext) for row in found}
    rows = (await session.execute(_BY_CONTACTS, {"ref_hashes": ref_hashes})).all()
    if rows:
        logged = [{**read, "id": uuid.uuid4(), "case_id": row.case_id} for row in rows]
        await session.execute(_LOG_READ, logged)
    return {row.contact_ref_hash: bytes(row.ciphertext) for row in rows}


@functools.cache
def _read_many_and_log(columns: tuple[str, ...]) -> Executable:
    hashes = bindparam("ref_hashes", type_=postgresql.ARRAY(_SUBMITTERS.c.contact_ref_hash.type))
    found = (
        select(_SUBMITTERS.c.contact_ref_hash, _SUBMITTERS.c.case_id, _SUBMITTERS.c.ciphertext)
        .where(_SUBMITTERS.c.contact_ref_hash == func.any(hashes))
        .cte("found")
    )
    logged = (
        insert(_READS)
        .from_select(
            ["id", *columns, "case_id"],
            select(
                func.gen_random_uuid(),
                *row_params(_READS, "read", columns).values(),
                found.c.case_id,
            ),
        )
        .cte("logged")
    )
    return select(found.c.contact_ref_hash, found.c.ciphertext).add_cte(logged)


async def purge_answers(session: AsyncSession, older_than: datetime) -> int:
    """Delete the idempotent answers stored before `older_than`; how many."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def count_identities(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Submitter)) or 0)


async def count_sealed_answers(session: AsyncSession) -> int:
    query = (
        select(func.count())
        .select_from(IdempotencyRecord)
        .where(IdempotencyRecord.response.is_not(None))
    )
    return int(await session.scalar(query) or 0)


async def sealed_answers_after(
    session: AsyncSession, last: str, limit: int
) -> list[IdempotencyRecord]:
    """The next `limit` stored answers by key after `last`, locked."""
    query = (
        select(IdempotencyRecord)
        .where(IdempotencyRecord.key > last, IdempotencyRecord.response.is_not(None))
        .order_by(IdempotencyRecord.key)
        .limit(limit)
        .with_for_update()
    )
    return list((await session.execute(query)).scalars())


async def submitters_after(
    session: AsyncSession, last: uuid.UUID | None, limit: int
) -> list[Submitter]:
    """The next `limit` submitters by case after `last` (None: the first ones), locked."""
    query = select(Submitter).order_by(Submitter.case_id).limit(limit)
    if last is not None:
        query = query.where(Submitter.case_id > last)
    return list((await session.execute(query.with_for_update())).scalars())
