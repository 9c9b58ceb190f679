"""The published answers about a place: cases about a commune (or any commune of a
province), resolved, answered with `publish` by the unit, filed with publish consent.

Read through ix_cases_published_place (migration 0005): a partial index on the place and
the day of the answer, over the consented cases only, so that the newest of a province's
answers are found without reading its other cases.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.cases.models import Case

# A denunciation's public view shows its status and deadlines only (Luật Tố cáo Điều 47).
NEVER_LISTED = ("denunciation",)


async def published_about(session: AsyncSession, places: list[str], limit: int) -> list[Case]:
    published = Case.resolution["publish"].as_boolean().is_(True)
    rows = await session.execute(
        select(Case)
        .where(
            Case.location_unit_code.in_(places),
            Case.publish_consent,  # as the index's predicate says it
            Case.resolved_on.is_not(None),
            Case.kind.not_in(NEVER_LISTED),
            published,
        )
        .order_by(Case.resolved_on.desc(), Case.tracking_code)
        .limit(limit)
    )
    return list(rows.scalars())
