"""The due time a queue sorts by: the running deadline of the case's current step.

Routing owns no deadline; notification announces them (deadline.set) and routing keeps the
latest of each, then picks the one that matters for where the case is now.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import RoutedCase
from services.routing.queues.models import CaseClock

# Which deadline kinds (notification's policy steps) run while a case is in each status.
# A suspended case's clock stops; a finished case has nothing due.
CLOCKS_BY_STATUS: dict[str, frozenset[str]] = {
    "routed": frozenset({"accept", "classify", "answer", "forward"}),
    "info_requested": frozenset({"accept", "classify", "answer", "forward"}),
    "accepted": frozenset({"resolve", "answer", "notify_parties", "dialogue_notice"}),
    "resolved": frozenset({"publish", "send_decision", "report_back"}),
}


async def refresh_due(session: AsyncSession, case: RoutedCase) -> None:
    """Set the case's due_at/due_kind from its clocks for its current status."""
    kinds = CLOCKS_BY_STATUS.get(case.status, frozenset())
    due_at, due_kind = None, None
    if kinds:
        rows = await session.execute(
            select(CaseClock.kind, CaseClock.due_at).where(
                CaseClock.case_id == case.id,
                CaseClock.kind.in_(kinds),
                CaseClock.state.in_(("running", "breached")),
                CaseClock.due_at.is_not(None),
            )
        )
        running = sorted((at, kind) for kind, at in rows if at is not None)
        if running:
            due_at, due_kind = running[0]
    if (case.due_at, case.due_kind) != (due_at, due_kind):
        case.due_at, case.due_kind = due_at, due_kind
