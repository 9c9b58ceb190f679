"""The rule set in force on a day: the latest version effective by then, or the built-in one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import yaml
from sqlalchemy import ColumnElement, bindparam, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.rules.models import RuleSetVersion
from services.routing.rules.schemas import RuleSetRead, RuleSetWrite, RuleSpec
from shared.context import provided
from shared.dates import LOCAL_TZ

DEFAULT_FILE = Path(__file__).with_name("rules.yaml")


def builtin(path: Path = DEFAULT_FILE) -> RuleSetRead:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return RuleSetRead.model_validate(raw | {"version": 0})


def today() -> date:
    return datetime.now(UTC).astimezone(LOCAL_TZ).date()


# Published versions never change (`save` adds one), so each is read and validated once per
# process, not once per routed case: keyed by its number and publication time, which tells
# apart the versions of two databases one process may serve (the tests' stacks).
_PARSED: dict[tuple[int, datetime], RuleSetRead] = {}
_PARSED_KEPT = 16


# The latest version in force on a day, asked for every routed case: built once (building it
# cost more CPU than running it). Core columns: no ORM entity to load.
_VERSIONS = RuleSetVersion.__table__.c
_LATEST = (
    select(_VERSIONS.version, _VERSIONS.created_at)
    .where(_VERSIONS.effective_from <= bindparam("on"))
    .order_by(_VERSIONS.effective_from.desc(), _VERSIONS.version.desc())
    .limit(1)
)


async def in_force(session: AsyncSession, on: date, default: RuleSetRead) -> RuleSetRead:
    latest = (await session.execute(_LATEST, {"on": on})).first()
    if latest is None:
        return default
    key = (latest.version, latest.created_at)
    parsed = _PARSED.get(key)
    if parsed is None:
        row = await session.get(RuleSetVersion, latest.version)
        assert row is not None  # versions are never deleted
        parsed = _read(row)
        if len(_PARSED) >= _PARSED_KEPT:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = parsed
    return parsed


# Which rule set decided a case, checked where the case is written: the case's insert writes
# nothing unless the version in force on its day is still the one that decided it (`STILL`'s
# parameters, `still_params`). A process may then keep the set it found in force (`Known`)
# and route the next cases by it without a look-up each: a version an administrator publishes
# through any replica fails the check of the next case, which is decided again after a look-up.
# The check runs in the insert's own statement, so it sees every version committed before it.
def _latest(column: ColumnElement[Any]) -> ColumnElement[Any]:
    on = bindparam("rules_on", type_=_VERSIONS.effective_from.type)
    return (
        select(column)
        .where(_VERSIONS.effective_from <= on)
        .order_by(_VERSIONS.effective_from.desc(), _VERSIONS.version.desc())
        .limit(1)
        .scalar_subquery()
    )


# No version in force: the built-in set (version 0, no publication time).
STILL: ColumnElement[bool] = (
    func.coalesce(_latest(_VERSIONS.version), literal(0))
    == bindparam("rules_version", type_=_VERSIONS.version.type)
) & _latest(_VERSIONS.created_at).is_not_distinct_from(
    bindparam("rules_created_at", type_=_VERSIONS.created_at.type)
)


def still_params(on: date, rules: RuleSetRead) -> dict[str, object]:
    """`STILL`'s parameters: `rules` is the set in force on `on`."""
    return {"rules_on": on, "rules_version": rules.version, "rules_created_at": rules.created_at}


class Known:
    """The rule sets a process last found in force, by day of receipt: a hint, never trusted
    without `STILL` (see above). One per service (its handlers' dependencies)."""

    _KEPT = 32

    def __init__(self) -> None:
        self._by_day: dict[date, RuleSetRead] = {}

    def get(self, on: date) -> RuleSetRead | None:
        return self._by_day.get(on)

    def keep(self, on: date, rules: RuleSetRead) -> None:
        if on not in self._by_day and len(self._by_day) >= self._KEPT:
            self._by_day.pop(next(iter(self._by_day)))
        self._by_day[on] = rules


async def save(session: AsyncSession, rules: RuleSetWrite, *, by: str) -> RuleSetRead:
    latest = await session.scalar(select(func.max(RuleSetVersion.version)))
    row = RuleSetVersion(
        version=(latest or 0) + 1,
        effective_from=rules.effective_from,
        rules=[r.model_dump(exclude_defaults=True) for r in rules.rules],
        note=rules.note,
        created_by=by,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return _read(row)


def _read(row: RuleSetVersion) -> RuleSetRead:
    return RuleSetRead(
        version=row.version,
        effective_from=row.effective_from,
        rules=[RuleSpec.model_validate(r) for r in row.rules],
        note=row.note,
        created_by=row.created_by,
        created_at=row.created_at,
    )


# The shipped rules, in force until an administrator publishes a version.
BuiltinRules = Annotated[RuleSetRead, provided(RuleSetRead)]
