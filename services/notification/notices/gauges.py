"""Deadlines due soon and breached, by province, kind and step: a periodic grouped count."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from services.notification.deadlines.models import BREACHED, RUNNING, Deadline
from services.notification.metrics import NotifyMetrics
from shared.db import Database

DUE_SOON = timedelta(days=3)


async def refresh_gauges(database: Database, metrics: NotifyMetrics, now: datetime) -> None:
    urgency = case((Deadline.state == BREACHED, "breached"), else_="due_soon")
    query = (
        select(Deadline.province_code, Deadline.case_kind, Deadline.step, urgency, func.count())
        .where(
            (Deadline.state == BREACHED)
            | ((Deadline.state == RUNNING) & (Deadline.due_at <= now + DUE_SOON))
        )
        .group_by(Deadline.province_code, Deadline.case_kind, Deadline.step, urgency)
    )
    async with database.sessions() as session:
        rows = (await session.execute(query)).all()
    metrics.deadlines_open.clear()
    for province, kind, step, level, count in rows:
        metrics.deadlines_open.labels(province or "none", kind, step, level).set(count)
