"""Notification's context: the kernel, the law's reference data and the deadline clocks.

Built once in the lifespan; endpoints take its parts by type (shared.context), the
consumers' handlers and the background workers (services/notification/worker.py) are
built from it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import partial

from services.notification.calendar.service import CalendarHooks
from services.notification.calendar.working_days import WorkingDayCalendar
from services.notification.clock import system_clock
from services.notification.deadlines.recompute import calendar_corrected, policy_corrected
from services.notification.deadlines.service import Clocks
from services.notification.metrics import NotifyMetrics
from services.notification.policies.reference import Reference
from services.notification.policies.rules import PolicyBook
from services.notification.policies.service import PolicyHooks
from services.notification.settings import NotifySettings
from services.notification.timers.schedule import reschedule
from shared.kernel import Kernel, ServiceContext


@dataclass(frozen=True)
class NotificationContext(ServiceContext):
    calendar: WorkingDayCalendar
    # the shipped policies and the calendar, with administrators' corrections from the database
    reference: Reference
    notify_settings: NotifySettings
    clocks: Clocks
    notify_metrics: NotifyMetrics  # joins the service's registry
    # What a correction of the calendar or of a policy sets off in the deadlines above them
    calendar_hooks: CalendarHooks
    policy_hooks: PolicyHooks


async def build_context(kernel: Kernel) -> NotificationContext:
    calendar = WorkingDayCalendar()
    reference = Reference(PolicyBook.load(), calendar)
    notify_settings = kernel.settings.part(NotifySettings)
    # Administrators' corrections; when the database is not there yet, the refresh worker
    # (or the next correction served) loads them.
    with contextlib.suppress(Exception):
        await reference.reload(kernel.database)
    # Each change of a clock plans its timers again (the timers are above the deadlines).
    clocks = Clocks(kernel.outbox, reference, notify_settings, system_clock, reschedule)
    return NotificationContext(
        kernel=kernel,
        calendar=calendar,
        reference=reference,
        notify_settings=notify_settings,
        clocks=clocks,
        notify_metrics=NotifyMetrics(kernel.metrics.registry),
        calendar_hooks=CalendarHooks(
            move_deadlines=partial(calendar_corrected, clocks),
            reload=partial(reference.reload, kernel.database),
        ),
        policy_hooks=PolicyHooks(move_deadlines=partial(policy_corrected, clocks)),
    )
