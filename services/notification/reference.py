"""Reference data administrators correct in the database: calendar overrides and policies.

Every replica reloads them at start and every `refresh_seconds`; the replica that served a
change reloads at once.
"""

from __future__ import annotations

from sqlalchemy import select

from services.notification.calendar.models import CalendarOverride
from services.notification.calendar.working_days import WorkingDayCalendar
from services.notification.policies.models import PolicyOverride
from services.notification.policies.rules import Policy, PolicyBook
from shared.db import Database


class Reference:
    def __init__(self, base_book: PolicyBook, calendar: WorkingDayCalendar) -> None:
        self.base_book = base_book
        self.book = base_book
        self.calendar = calendar

    async def reload(self, database: Database) -> None:
        async with database.sessions() as session:
            days = (await session.execute(select(CalendarOverride))).scalars().all()
            policies = (await session.execute(select(PolicyOverride))).scalars().all()
        self.calendar.set_overrides({d.day: d.working for d in days})
        self.book = self.base_book.with_overrides(Policy.model_validate(p.policy) for p in policies)
