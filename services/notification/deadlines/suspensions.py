"""The suspension decision's own clock (Luật Tố cáo 2018 Điều 34): the decision to suspend is
sent to the parties within 5 working days of its date.

It is a clock of its own: it starts on case.suspended, counted from the decision's date as
entered (not the day the command arrived), and it runs while the resolution period stops.
case.suspension_notice_sent meets it, on time or late by the date the decision was sent, as
entered. Unsent, the timers remind, breach and escalate it like every other step. The policy
is data (`suspension_notice`, starts `suspended`): the kinds and receipt dates it covers are
the policies'; a complaint has none, as domain.md gives the law's period for denunciations only.

A case suspended again after its first decision was sent owes the second decision's sending
too: the step's clock (one per case, step and round) runs again from the new decision's date.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.deadlines import repository
from services.notification.deadlines.models import BREACHED, PAUSED, RUNNING, TrackedCase
from services.notification.deadlines.service import Cause, Clocks, NotificationDeps
from shared.events import (
    CASE_SUSPENSION_NOTICE_SENT,
    CaseSuspensionNoticeSent,
    DeadlineStep,
    Envelope,
)
from shared.messaging.consumer import DepsHandler

STARTS, STEP = "suspended", DeadlineStep.suspension_notice.value


async def start_notice(
    clocks: Clocks,
    session: AsyncSession,
    case: TrackedCase,
    event: Envelope,
    decided_on: date,
    round_: int,
) -> None:
    """Start the sending's clock from the suspension decision's date, for the policies in
    force on the case's receipt (denunciations: Tố cáo Điều 34)."""
    for policy in clocks.reference.book.in_force(
        case.kind, STARTS, case.received_on, second_time=case.second_time
    ):
        cause = Cause(
            event.id,
            f"the suspension decision of {decided_on.isoformat()} is sent to the parties",
            event.data.get("decision_ref"),
        )
        started = await clocks.start(session, case, policy, decided_on, cause, round_=round_)
        if started is None:
            await clocks.rearm(session, case, policy, decided_on, cause, round_=round_)


async def on_sent(session: AsyncSession, event: Envelope, deps: NotificationDeps) -> None:
    sent = event.parse(CaseSuspensionNoticeSent)
    owed = await repository.locked_in_states(
        session, event.case_id, STEP, (RUNNING, PAUSED, BREACHED)
    )
    how = f"sent on {sent.sent_on.isoformat()} ({sent.how})"
    for d in list(owed):
        if sent.sent_on > d.due_on:
            if d.breached_at is None:  # late by its date, before the sweeper saw it
                await deps.clocks.breach(session, d, Cause(event.id, f"{how}: late"))
        elif d.breached_at is not None:
            # Sent in time, recorded after the due day (the breach was announced then): the
            # date as entered decides, the step was done on time.
            d.breached_at = None
        await deps.clocks.meet(session, d, Cause(event.id, how, sent.decision_ref))


HANDLERS: dict[str, DepsHandler[NotificationDeps]] = {CASE_SUSPENSION_NOTICE_SENT: on_sent}
