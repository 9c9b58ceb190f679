"""Queries of the deadlines feature that more than one consumer shares."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.deadlines.models import Deadline, TrackedCase


async def lock_tracked(session: AsyncSession, case_id: uuid.UUID, **first: Any) -> TrackedCase:
    """The tracked case's row, locked, inserted with `first` if absent.

    Two transactions can record the same case at once: an appeal's new case from the
    appeal's event and from its own case.routed (two partitions), or an old and a new
    replica during the switch to one consumer group. A read-then-add lets the second hit
    the primary key and spend one of its attempts on a retry; an insert that does nothing
    on conflict, then a locking read, makes whichever runs second simply find and update
    the row."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(TrackedCase)
        .values(case_id=case_id, **first)
        .on_conflict_do_nothing(index_elements=["case_id"])
    )
    case = await session.get(TrackedCase, case_id, with_for_update=True, populate_existing=True)
    assert case is not None  # inserted above, or already there; rows are never deleted
    return case


async def locked_clock(
    session: AsyncSession, case_id: uuid.UUID, step: str, round_: int
) -> Deadline | None:
    """The case's clock for `step` in `round_`, locked (one per case, step and round)."""
    return await session.scalar(
        select(Deadline)
        .where(Deadline.case_id == case_id, Deadline.step == step, Deadline.round == round_)
        .with_for_update()
    )
