"""Reference data administrators correct in the database: calendar overrides and policies.

Every replica reloads them at start and every `refresh_seconds`; the replica that served a
change reloads at once.
"""

from __future__ import annotations

from typing import Annotated

from services.notification.calendar import repository as calendar_repository
from services.notification.calendar.working_days import WorkingDayCalendar
from services.notification.policies import repository
from services.notification.policies.rules import Policy, PolicyBook
from shared.context import provided
from shared.db import Database


class Reference:
    def __init__(self, base_book: PolicyBook, calendar: WorkingDayCalendar) -> None:
        self.base_book = base_book
        self.book = base_book
        self.calendar = calendar

    async def reload(self, database: Database) -> None:
        async with database.sessions() as session:
            days = await calendar_repository.overrides(session)
            policies = await repository.overrides(session)
        self.calendar.set_overrides({d.day: d.working for d in days})
        self.book = self.base_book.with_overrides(Policy.model_validate(p.policy) for p in policies)


# The service's reference data, as a request's dependency.
References = Annotated[Reference, provided(Reference)]
