"""Reading cases: the case lock every step and handler takes, and the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import CaseStep, RoutedCase


async def lock_case(session: AsyncSession, case_id: uuid.UUID) -> RoutedCase | None:
    """The case, locked for this transaction and freshly read."""
    result = await session.execute(
        select(RoutedCase)
        .where(RoutedCase.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


_CASES = RoutedCase.__table__.c
_HELD = select(_CASES.id).where(_CASES.id == bindparam("case_id"))  # built once: asked per case


async def is_held(session: AsyncSession, case_id: uuid.UUID) -> bool:
    """Whether routing holds the case already (Core: no ORM object loaded to find out)."""
    return (await session.scalar(_HELD, {"case_id": case_id})) is not None


# Every step's audit row: Core, built once (the step's own flush writes the case).
_ADD_STEP = insert(cast(Table, CaseStep.__table__))


async def add_step(session: AsyncSession, step: dict[str, Any]) -> None:
    await session.execute(_ADD_STEP, step)


async def history(session: AsyncSession, case_id: uuid.UUID) -> Sequence[CaseStep]:
    """Every step of a case, in the order taken."""
    rows = await session.execute(
        select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.id)
    )
    return rows.scalars().all()
