"""The exact median of days to resolve, without sorting every resolved case of the scope.

The roll-up's histogram (whole days to resolve, per received day) tells how many cases are
resolved and which day-bucket holds the middle rank(s); only that bucket's resolution times
are then read from the cases, in order (on PostgreSQL through ix_cases_resolved_*, an index
on the bucket's very expression). The value is what percentile_cont(0.5) gives over every
case's `(resolved_at - received_at)` in days: the middle one, or halfway between the two.
The reads are repository/median.py's; the arithmetic here is pure (`middle_ranks`,
`halfway`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.stats import repository
from services.routing.stats.period import Period, Scope


def middle_ranks(counts: list[tuple[int, int]]) -> dict[int, list[int]]:
    """Where the middle rank(s) of a histogram are: bucket -> the ranks' offsets inside it
    (in order). `counts` is (days, cases) by days; one rank for an odd total, the two
    around the half for an even one; nothing for no case."""
    resolved = sum(n for _, n in counts)
    if resolved == 0:
        return {}
    middle = sorted({(resolved - 1) // 2, resolved // 2})
    wanted: dict[int, list[int]] = {}
    below = 0
    for days, n in counts:
        for rank in middle:
            if below <= rank < below + n:
                wanted.setdefault(days, []).append(rank - below)
        below += n
    return wanted


def halfway(values: list[float]) -> float:
    """The median of the middle value(s), in order: the one, or halfway between the two."""
    low, high = values[0], values[-1]
    return round(low + (high - low) * 0.5, 2)


async def median_days(session: AsyncSession, scope: Scope, period: Period) -> float | None:
    counts = await repository.histogram(session, scope, period)
    return await median_of(session, scope, period, counts)


async def median_of(
    session: AsyncSession, scope: Scope, period: Period, counts: list[tuple[int, int]]
) -> float | None:
    """The median from the period's histogram, (days, cases) by days: only the bucket(s)
    holding the middle rank(s) are read from the cases."""
    wanted = middle_ranks(counts)
    if not wanted:
        return None
    values: list[float] = []
    for days, offsets in wanted.items():
        values += await repository.bucket(session, scope, period, days, offsets[0], len(offsets))
    return halfway(values)
