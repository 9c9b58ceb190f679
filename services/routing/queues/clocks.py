"""The due time a queue sorts by: the running deadline of the case's current step.

Routing owns no deadline; notification announces them (deadline.set) and routing keeps the
latest of each, then picks the one that matters for where the case is now.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import RoutedCase
from services.routing.queues import repository
from shared.events import CaseStatus, DeadlineStep

# Which deadline kinds (notification's policy steps, one vocabulary: DeadlineStep) run while a
# case is in each status; a finished case has nothing due. A suspended case's resolution period
# stops, but sending the suspension decision (Tố cáo Điều 34) is a clock of its own: it runs
# while the case is suspended, and is still owed after the decision to continue until recorded.
_RECEIPT = frozenset(
    {DeadlineStep.accept, DeadlineStep.classify, DeadlineStep.answer, DeadlineStep.forward}
)
CLOCKS_BY_STATUS: dict[str, frozenset[str]] = {
    CaseStatus.routed: _RECEIPT,
    CaseStatus.info_requested: _RECEIPT | {DeadlineStep.suspension_notice},
    CaseStatus.accepted: frozenset(
        {
            DeadlineStep.resolve,
            DeadlineStep.answer,
            DeadlineStep.notify_parties,
            DeadlineStep.dialogue_notice,
            DeadlineStep.suspension_notice,
        }
    ),
    CaseStatus.suspended: frozenset({DeadlineStep.suspension_notice}),
    CaseStatus.resolved: frozenset(
        {
            DeadlineStep.notify_parties,
            DeadlineStep.publish,
            DeadlineStep.report_back,
            DeadlineStep.suspension_notice,
        }
    ),
}


async def refresh_due(session: AsyncSession, case: RoutedCase) -> None:
    """Set the case's due_at/due_kind from its clocks for its current status."""
    kinds = CLOCKS_BY_STATUS.get(case.status, frozenset())
    due_at, due_kind = None, None
    # A case added in this transaction (routing's first step) has no clock yet: notification
    # sets them after case.routed. Not asking saves a query on every case routed.
    if kinds and not inspect(case).pending:
        rows = await repository.running_clocks(session, case.id, kinds)
        running = sorted((at, kind) for kind, at in rows if at is not None)
        if running:
            due_at, due_kind = running[0]
    if (case.due_at, case.due_kind) != (due_at, due_kind):
        case.due_at, case.due_kind = due_at, due_kind
