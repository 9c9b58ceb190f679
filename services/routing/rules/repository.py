"""The rule set in force on a day: the latest version effective by then, or the built-in one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import yaml
from sqlalchemy import bindparam, func, select
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
