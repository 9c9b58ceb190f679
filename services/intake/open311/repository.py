from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.attachments.models import Attachment
from services.intake.cases.models import Case, CaseDeadline, TimelineEntry
from services.intake.open311.models import Open311Key


async def key_named(session: AsyncSession, name: str) -> Open311Key | None:
    return (await session.execute(select(Open311Key).where(Open311Key.name == name))).scalar()


async def key_by_hash(session: AsyncSession, key_hash: str) -> Open311Key | None:
    result = await session.execute(select(Open311Key).where(Open311Key.key_hash == key_hash))
    return result.scalar()


async def listed(
    session: AsyncSession,
    *,
    kinds: Collection[str],
    limit: int,
    ids: list[str] | None = None,
    between: tuple[datetime, datetime] | None = None,
    categories: list[str] | None = None,
    status_in: Collection[str] | None = None,
    status_not_in: Collection[str] | None = None,
) -> list[Case]:
    """Up to `limit` cases of `kinds`, newest first: those of the tracking codes `ids`, filed
    `between`, in `categories`, of a status in (not in) the ones given."""
    query = select(Case).where(Case.kind.in_(kinds))
    if ids is not None:
        query = query.where(Case.tracking_code.in_(ids))
    if between is not None:
        start, end = between
        query = query.where(Case.submitted_at >= start, Case.submitted_at <= end)
    if categories:
        query = query.where(Case.category.in_(categories))
    if status_in is not None:
        query = query.where(Case.status.in_(status_in))
    if status_not_in is not None:
        query = query.where(Case.status.not_in(status_not_in))
    result = await session.execute(query.order_by(Case.submitted_at.desc()).limit(limit))
    return list(result.scalars())


async def images_newest_first(
    session: AsyncSession, case_ids: list[uuid.UUID]
) -> Sequence[Attachment]:
    images = select(Attachment).where(
        Attachment.case_id.in_(case_ids), Attachment.content_type.like("image/%")
    )
    return (await session.execute(images.order_by(Attachment.created_at.desc()))).scalars().all()


async def deadlines_of(session: AsyncSession, case_ids: list[uuid.UUID]) -> Sequence[CaseDeadline]:
    query = select(CaseDeadline).where(CaseDeadline.case_id.in_(case_ids))
    return (await session.execute(query)).scalars().all()


async def noted_steps(session: AsyncSession, case_ids: list[uuid.UUID]) -> Sequence[TimelineEntry]:
    """The cases' timeline entries that carry a note, oldest first."""
    timeline = select(TimelineEntry).where(
        TimelineEntry.case_id.in_(case_ids), TimelineEntry.note.is_not(None)
    )
    return (await session.execute(timeline.order_by(TimelineEntry.at))).scalars().all()


async def steps_between(
    session: AsyncSession, kinds: Collection[str], start: datetime, end: datetime, limit: int
) -> list[tuple[TimelineEntry, str]]:
    """(timeline entry with a status, tracking code) of cases of `kinds`, oldest first."""
    rows = await session.execute(
        select(TimelineEntry, Case.tracking_code)
        .join(Case, Case.id == TimelineEntry.case_id)
        .where(
            Case.kind.in_(kinds),
            TimelineEntry.status.is_not(None),
            TimelineEntry.at >= start,
            TimelineEntry.at <= end,
        )
        .order_by(TimelineEntry.at, TimelineEntry.event_id)
        .limit(limit)
    )
    return [(entry, code) for entry, code in rows]
