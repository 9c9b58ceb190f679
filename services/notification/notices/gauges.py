"""Deadlines due soon and breached, by province, kind and step: a periodic grouped count."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.notification.deadlines.repository import urgent_counts
from services.notification.metrics import NotifyMetrics
from shared.db import Database

DUE_SOON = timedelta(days=3)


async def refresh_gauges(database: Database, metrics: NotifyMetrics, now: datetime) -> None:
    async with database.sessions() as session:
        rows = await urgent_counts(session, now + DUE_SOON)
    metrics.deadlines_open.clear()
    for province, kind, step, level, count in rows:
        metrics.deadlines_open.labels(province or "none", kind, step, level).set(count)
