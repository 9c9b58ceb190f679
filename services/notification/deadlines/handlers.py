"""Clocks started by events: a case routed to a unit starts the law's first deadlines."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.calendar.working_days import (
    WorkingDayCalendar,
    end_of_local_day,
    local_date,
)
from services.notification.deadlines.models import Deadline
from services.notification.policies.rules import PolicyBook
from shared.events import CASE_ROUTED, DEADLINE_SET, CaseRouted, DeadlineSet, Envelope, new_event
from shared.messaging.consumer import Handler
from shared.messaging.outbox import Outbox

SOURCE = "notification"


def make_handlers(
    outbox: Outbox, policies: PolicyBook, calendar: WorkingDayCalendar
) -> dict[str, Handler]:
    async def on_case_routed(session: AsyncSession, event: Envelope) -> None:
        routed = event.parse(CaseRouted)
        received_on = local_date(routed.received_at)
        existing = set(
            (
                await session.execute(
                    select(Deadline.step).where(Deadline.case_id == event.case_id)
                )
            ).scalars()
        )
        now = datetime.now(UTC)
        for policy in policies.in_force(routed.kind, "received", received_on):
            if policy.step in existing:
                continue  # the clock runs from receipt; a transfer does not restart it here
            due_on = policy.due_on(received_on, calendar)
            deadline = Deadline(
                id=uuid.uuid4(),
                case_id=event.case_id,
                case_kind=routed.kind,
                step=policy.step,
                unit_code=routed.unit_code,
                province_code=routed.province_code,
                policy_id=policy.id,
                basis=policy.basis,
                starts_on=received_on,
                due_on=due_on,
                due_at=end_of_local_day(due_on),
                state="running",
                created_at=now,
            )
            session.add(deadline)
            await outbox.add(
                session,
                new_event(
                    DEADLINE_SET,
                    source=SOURCE,
                    case_id=event.case_id,
                    at=now,
                    data=DeadlineSet(
                        deadline_id=deadline.id,
                        kind=policy.step,
                        unit_code=routed.unit_code,
                        starts_on=received_on.isoformat(),
                        due_at=deadline.due_at,
                        basis=policy.basis,
                        state=deadline.state,
                    ),
                ),
            )

    return {CASE_ROUTED: on_case_routed}
