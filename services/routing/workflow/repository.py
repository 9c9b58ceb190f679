"""The workflow's queries: what a step's rules need to know of a case's past steps, clocks,
dialogues and conversation. The commands decide; these only read."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import CaseStep
from services.routing.queues.models import CaseClock
from services.routing.reception.models import Dialogue
from services.routing.workflow.models import CaseMessage


async def messages(session: AsyncSession, case_id: uuid.UUID) -> Sequence[CaseMessage]:
    """The case's conversation, oldest first."""
    rows = await session.execute(
        select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(CaseMessage.at)
    )
    return rows.scalars().all()


async def times_taken(session: AsyncSession, case_id: uuid.UUID, step: str) -> int:
    """How many times the case took `step`."""
    done = await session.scalar(
        select(func.count())
        .select_from(CaseStep)
        .where(CaseStep.case_id == case_id, CaseStep.step == step)
    )
    return done or 0


async def first_taken_at(session: AsyncSession, case_id: uuid.UUID, step: str) -> datetime | None:
    """When the case took `step` (None: never)."""
    return await session.scalar(
        select(CaseStep.at).where(CaseStep.case_id == case_id, CaseStep.step == step)
    )


async def step_data(session: AsyncSession, case_id: uuid.UUID, step: str) -> Any:
    """The data recorded with the case's `step` (None: not taken, or taken with none)."""
    return await session.scalar(
        select(CaseStep.data).where(CaseStep.case_id == case_id, CaseStep.step == step)
    )


async def decision_ref(session: AsyncSession, case_id: uuid.UUID, step: str) -> str | None:
    """The decision's reference recorded with `step` (the resolution)."""
    return await session.scalar(
        select(CaseStep.data["decision_ref"].as_string()).where(
            CaseStep.case_id == case_id, CaseStep.step == step
        )
    )


async def steps_taken(session: AsyncSession, case_id: uuid.UUID, among: Iterable[str]) -> set[str]:
    """Which of the steps `among` the case took."""
    rows = await session.execute(
        select(CaseStep.step).where(CaseStep.case_id == case_id, CaseStep.step.in_(tuple(among)))
    )
    return set(rows.scalars())


async def latest_of(
    session: AsyncSession, case_id: uuid.UUID, among: Iterable[str]
) -> CaseStep | None:
    """The case's latest step among `among`."""
    return await session.scalar(
        select(CaseStep)
        .where(CaseStep.case_id == case_id, CaseStep.step.in_(tuple(among)))
        .order_by(CaseStep.id.desc())
        .limit(1)
    )


async def dialogues_held(session: AsyncSession, case_id: uuid.UUID) -> int:
    """How many of the case's dialogues have their minutes recorded."""
    held = await session.scalar(
        select(func.count()).where(Dialogue.case_id == case_id, Dialogue.held_at.is_not(None))
    )
    return held or 0


async def classification_due(session: AsyncSession, case_id: uuid.UUID) -> datetime | None:
    """The unit's current classification clock (running, or breached once its days ran out)."""
    return await session.scalar(
        select(func.max(CaseClock.due_at)).where(
            CaseClock.case_id == case_id,
            CaseClock.kind == "classify",
            CaseClock.state.in_(("running", "breached")),
        )
    )
