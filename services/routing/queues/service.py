"""A step's own due time: the ORM path, for the workflow's steps that hold the case loaded."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import RoutedCase
from services.routing.queues import repository
from services.routing.queues.clocks import CLOCKS_BY_STATUS


async def refresh_due(session: AsyncSession, case: RoutedCase) -> None:
    """Set the case's due_at/due_kind from its clocks for its current status, on the loaded
    case: the step's own flush writes it, under the version check. (The deadline handler sets
    them in SQL instead, repository.set_due, from the same table.)"""
    due_at, due_kind = None, None
    # A case added in this transaction (routing's first step) has no clock yet: notification
    # sets them after case.routed. Not asking saves a query on every case routed.
    if CLOCKS_BY_STATUS.get(case.status) and not inspect(case).pending:
        # The status is the read's parameter, so the case need not be flushed first: without
        # the autoflush the step's one flush writes status, due time and version in one
        # UPDATE, where it took two (and moved the version twice).
        with session.no_autoflush:
            due_at, due_kind = await repository.next_due(session, case.id, case.status)
    if (case.due_at, case.due_kind) != (due_at, due_kind):
        case.due_at, case.due_kind = due_at, due_kind
