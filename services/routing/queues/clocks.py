"""Which of a case's clocks its queue sorts by: the deadline kinds that run in each status.

Routing owns no deadline; notification announces them (deadline.set) and routing keeps the
latest of each, then picks the one that matters for where the case is now. This table is the
one place that decides which kinds run in which status: the queues' repository turns it into
SQL, for the deadline handler's one UPDATE and for a step's read (service.refresh_due).
"""

from __future__ import annotations

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
# A clock's states that still count for the queue: running, or past its due time (breached).
COUNTING = ("running", "breached")
