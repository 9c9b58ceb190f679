"""What a correction of the calendar sets off in the features above it.

The calendar is at the bottom of notification (policies count on it, deadlines on both):
it knows no deadline. The service registers, in its context (context.py), what moving the
running deadlines and reloading the reference data mean.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.calendar.schemas import DeadlineMoved
from shared.context import provided

# (session, the corrected day, working or not (None: the correction removed), the reason
# for the deadlines' history, dry run) -> the running deadlines it moves (would move).
MoveDeadlines = Callable[
    [AsyncSession, date, bool | None, str, bool], Awaitable[list[DeadlineMoved]]
]


@dataclass(frozen=True)
class CalendarHooks:
    move_deadlines: MoveDeadlines
    # The reference data (calendar and policies, corrections included) read again.
    reload: Callable[[], Awaitable[None]]


CalendarHooksDep = Annotated[CalendarHooks, provided(CalendarHooks)]
