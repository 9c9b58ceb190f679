"""What a correction of a policy sets off in the features above it.

The policies are below the deadlines (a clock counts under its policy): they know no
deadline. The service registers, in its context (context.py), what moving the running
deadlines means.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.calendar.schemas import DeadlineMoved
from services.notification.policies.rules import PolicyBook
from shared.context import provided

# (session, the book as it will be, the corrected policy's id, the reason for the
# deadlines' history, dry run) -> the running deadlines it moves (would move).
MoveDeadlines = Callable[[AsyncSession, PolicyBook, str, str, bool], Awaitable[list[DeadlineMoved]]]


@dataclass(frozen=True)
class PolicyHooks:
    move_deadlines: MoveDeadlines


PolicyHooksDep = Annotated[PolicyHooks, provided(PolicyHooks)]
