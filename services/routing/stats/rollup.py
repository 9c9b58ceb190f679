"""The roll-up kept in step with every change of a routed case, in the same transaction.

A case contributes one row's worth of counters to `unit_daily_figures` (where it is now, the
unit it was first routed to, its local received day), one to its unit's and one to its
province's `daily_kind_figures` (by kind and category, for the period report) and, once
resolved, one count to its unit's and one to its province's histogram of whole days to
resolve. Mapper events on
RoutedCase take the case's contribution before and after each INSERT, UPDATE or DELETE and
apply the difference as UPSERT increments (`n = n + excluded.n`): two concurrent steps on
cases of one unit and day both land, the second waiting for the first's row lock. Keys go in
sorted order, figures before resolutions, so that two transactions never wait crosswise.

Every change of a TRACKED column must go through the ORM: a bulk `update(RoutedCase)` would
bypass these events (rebuild.py recomputes the tables when that is ever needed). The one
exception is a new case routed (workflow's on_case_submitted, every case): its row is a Core
insert, in one statement with the rows `added` says it adds (cases/repository.add_routed),
which no mapper event sees, so that it is counted once. The queues'
deadline handler writes only the due time and the version in SQL: they move no figure.
repository/rebuild.py writes the same definitions in SQL; tests check that both give the same
rows. The UPSERT itself is repository/rollup.py's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, event, inspect
from sqlalchemy.engine import Connection

from services.routing import local_day
from services.routing.cases.models import RoutedCase
from services.routing.cases.repository import count_new_cases
from services.routing.stats.models import DailyKindFigures, UnitDailyFigures, UnitDailyResolutions
from services.routing.stats.repository.rollup import increment, rows_of
from shared.events import CaseStatus

DAY = timedelta(days=1)
# What a case's contribution depends on; the other columns never move a figure.
TRACKED = (
    "unit_code",
    "province_code",
    "first_unit_code",
    "received_at",
    "status",
    "accepted_at",
    "resolved_at",
    "resolved_due_at",
    "rating_score",
    "kind",
    "category",
)
FIGURES: Table = UnitDailyFigures.__table__  # type: ignore[assignment]
RESOLUTIONS: Table = UnitDailyResolutions.__table__  # type: ignore[assignment]
KINDS: Table = DailyKindFigures.__table__  # type: ignore[assignment]
FigureKey = tuple[str, date, str, str]  # unit_code, day, province_code, first_unit_code
ResolutionKey = tuple[str, str, date, int]  # scope, code, day, days


def resolved_days(received_at: datetime, resolved_at: datetime) -> int:
    """Whole days from receipt to resolution (0 for less than a day, or a clock skew)."""
    return max(0, (resolved_at - received_at) // DAY)


def on_time(resolved: datetime | None, due: datetime | None) -> bool:
    """Resolved with no deadline missed: by the due time running when it was resolved, or
    with none running (a petition's answer deadline is met at acceptance; nothing else runs
    until its resolution). repository/rebuild.ON_TIME says the same in SQL."""
    return resolved is not None and (due is None or resolved <= due)


def satisfied(score: int | None) -> bool:
    """Rated 4 or 5 of 5: the satisfaction index's numerator (repository/rebuild.SATISFIED)."""
    return score is not None and score >= 4


def figures_of(case: Mapping[str, Any]) -> dict[FigureKey, Counter[str]]:
    key = (
        case["unit_code"],
        local_day(case["received_at"]),
        case["province_code"],
        case["first_unit_code"] or "",
    )
    resolved, due, score = case["resolved_at"], case["resolved_due_at"], case["rating_score"]
    counters = Counter(
        received=1,
        accepted=int(case["accepted_at"] is not None),
        rejected=int(case["status"] == CaseStatus.rejected),
        resolved=int(resolved is not None),
        resolved_on_time=int(on_time(resolved, due)),
        rating_sum=score or 0,
        ratings=int(score is not None),
        satisfied=int(satisfied(score)),
    )
    return {key: counters}


def resolutions_of(case: Mapping[str, Any]) -> dict[ResolutionKey, Counter[str]]:
    if case["resolved_at"] is None:
        return {}
    day, days = (
        local_day(case["received_at"]),
        resolved_days(case["received_at"], case["resolved_at"]),
    )
    return {
        ("unit", case["unit_code"], day, days): Counter(cases=1),
        ("province", case["province_code"], day, days): Counter(cases=1),
    }


def kinds_of(case: Mapping[str, Any]) -> dict[tuple[str, str, date, str, str], Counter[str]]:
    resolved, due = case["resolved_at"], case["resolved_due_at"]
    counters = Counter(
        received=1,
        accepted=int(case["accepted_at"] is not None),
        rejected=int(case["status"] == CaseStatus.rejected),
        withdrawn=int(case["status"] == CaseStatus.withdrawn),
        resolved=int(resolved is not None),
        resolved_on_time=int(on_time(resolved, due)),
        ratings=int(case["rating_score"] is not None),
        satisfied=int(satisfied(case["rating_score"])),
    )
    day, kind, category = local_day(case["received_at"]), case["kind"], case["category"] or ""
    return {
        ("unit", case["unit_code"], day, kind, category): counters,
        ("province", case["province_code"], day, kind, category): counters.copy(),
    }


def _difference(
    old: dict[Any, Counter[str]], new: dict[Any, Counter[str]]
) -> dict[Any, dict[str, int]]:
    out: dict[Any, dict[str, int]] = {}
    for key in sorted(old.keys() | new.keys()):
        change = Counter(new.get(key, {}))
        change.subtract(old.get(key, {}))
        if any(change.values()):
            out[key] = dict(change)
    return out


def _current(target: Any) -> dict[str, Any]:
    return {name: getattr(target, name) for name in TRACKED}


def _before(target: Any) -> dict[str, Any] | None:
    """The tracked values as last loaded or flushed; None when nothing tracked changed."""
    attrs = inspect(target).attrs
    out, changed = {}, False
    for name in TRACKED:
        history = attrs[name].history
        if history.deleted:
            out[name], changed = history.deleted[0], True
        elif history.added:  # set without its old value loaded: would count wrongly
            raise RuntimeError(f"RoutedCase.{name} changed but its old value is unknown")
        else:
            out[name] = getattr(target, name)
    return out if changed else None


PARTS = ((FIGURES, figures_of), (RESOLUTIONS, resolutions_of), (KINDS, kinds_of))


def _apply(connection: Connection, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
    none: dict[str, Any] = {}
    for table, of in PARTS:
        change = _difference(of(old) if old else none, of(new) if new else none)
        if change:
            increment(connection, table, change)


def added(case: Mapping[str, Any]) -> list[tuple[Table, list[dict[str, Any]]]]:
    """What a case inserted without the ORM adds (routing's first step on a new case,
    cases/repository.add_routed, which writes these rows in the case's own statement): the
    same rows as the after_insert event below. `case`: its row's values; a column it leaves
    out is None, as the row's default is."""
    new = {name: case.get(name) for name in TRACKED}
    out = []
    for table, of in PARTS:
        change = _difference({}, of(new))
        if change:
            out.append((table, rows_of(table, change)))
    return out


def track(case_class: type) -> None:
    """Keep the roll-up in step with `case_class` (RoutedCase), from every ORM flush."""

    @event.listens_for(case_class, "after_insert")
    def _inserted(_mapper: Any, connection: Connection, target: Any) -> None:
        _apply(connection, None, _current(target))

    @event.listens_for(case_class, "after_update")
    def _updated(_mapper: Any, connection: Connection, target: Any) -> None:
        before = _before(target)
        if before is not None:
            _apply(connection, before, _current(target))

    @event.listens_for(case_class, "after_delete")
    def _deleted(_mapper: Any, connection: Connection, target: Any) -> None:
        _apply(connection, _before(target) or _current(target), None)

    count_new_cases(added)  # the cases that no flush inserts


# Registered on import, once per process: app.py imports this module with the stats feature.
track(RoutedCase)
