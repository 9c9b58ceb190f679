"""Routing: units, the responsible unit for each case, work queues and the officials' workflow."""

from datetime import date, datetime

from shared.dates import LOCAL_TZ

# Who routing is on the events it announces (`source`), and as the actor of its own steps.
SOURCE = "routing"
SYSTEM_ACTOR = f"system:{SOURCE}"
# The actor of the citizen's acts, which arrive as intake's events.
CITIZEN = "citizen"


def local_day(at: datetime) -> date:
    """The day of `at` in Vietnam: a case's day in the figures, a recommendation's due day."""
    return at.astimezone(LOCAL_TZ).date()
