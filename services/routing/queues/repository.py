"""The work queue's query (a unit's cases by due time, nulls last, then id, read by keyset),
and the clocks that give a case its due time."""

from __future__ import annotations

import base64
import functools
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Executable,
    Select,
    String,
    Table,
    bindparam,
    case,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.routing.cases.models import RoutedCase
from services.routing.queues.clocks import CLOCKS_BY_STATUS, COUNTING
from services.routing.queues.models import CaseClock
from shared.db import dialect_of, newer_wins
from shared.errors import Unprocessable


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last row's due time (None: among the undated) and id."""

    due_at: datetime | None
    id: uuid.UUID

    def encode(self) -> str:
        raw = json.dumps({"d": self.due_at.isoformat() if self.due_at else None, "i": str(self.id)})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        try:
            raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            due = datetime.fromisoformat(raw["d"]) if raw["d"] else None
            if due is not None and due.tzinfo is None:
                raise ValueError("naive time")
            return cls(due, uuid.UUID(raw["i"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise Unprocessable.field(["query", "cursor"], "not a cursor from this queue") from exc


@dataclass(frozen=True)
class QueueFilter:
    unit_code: str
    statuses: Sequence[str]
    kind: str | None = None
    due_before: datetime | None = None
    assignee: str | None = None

    def conditions(self, *, with_status: bool = True) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [RoutedCase.unit_code == self.unit_code]
        if with_status:
            where.append(RoutedCase.status.in_(self.statuses))
        if self.kind:
            where.append(RoutedCase.kind == self.kind)
        if self.due_before:
            where.append(RoutedCase.due_at < self.due_before)
        if self.assignee:
            where.append(RoutedCase.assignee == self.assignee)
        return where


async def page(
    session: AsyncSession, filters: QueueFilter, *, limit: int, after: Position | None
) -> tuple[list[RoutedCase], Position | None]:
    """Dated cases by (due_at, id), then the undated by id: two index range scans that each
    start at the cursor, so page 100 costs what page 1 does. Both in one statement, so in one
    snapshot: read one after the other, a case whose first deadline was set between the two
    reads (undated for the first, dated for the second) was in neither."""
    base = select(RoutedCase).where(*filters.conditions())
    scans = []
    if after is None or after.due_at is not None:
        dated = base.where(RoutedCase.due_at.is_not(None))
        if after is not None:
            dated = dated.where(
                tuple_(RoutedCase.due_at, RoutedCase.id)
                > tuple_(
                    literal(after.due_at, RoutedCase.due_at.type),
                    literal(after.id, RoutedCase.id.type),
                )
            )
        scans.append(dated.order_by(RoutedCase.due_at, RoutedCase.id).limit(limit + 1))
    undated = base.where(RoutedCase.due_at.is_(None))
    if after is not None and after.due_at is None:
        undated = undated.where(RoutedCase.id > after.id)
    scans.append(undated.order_by(RoutedCase.id).limit(limit + 1))
    both = union_all(*(select(scan.subquery()) for scan in scans)).subquery()
    query = (
        select(aliased(RoutedCase, both))
        .order_by(both.c.due_at.is_(None), both.c.due_at, both.c.id)
        .limit(limit + 1)
    )
    rows = list((await session.execute(query)).scalars())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], Position(last.due_at, last.id)


async def counts(session: AsyncSession, filters: QueueFilter) -> dict[str, Any]:
    rows = await session.execute(
        select(RoutedCase.status, func.count())
        .where(*filters.conditions(with_status=False))
        .group_by(RoutedCase.status)
    )
    return {status: int(n) for status, n in rows}


# The clocks' statements. What a queue sorts by is the earliest counting clock, with a due time,
# of the kinds that run in the case's status (clocks.CLOCKS_BY_STATUS), ties by kind. The
# deadline handler runs for every clock of every case: its two statements are built once.
_CLOCKS_TABLE = cast(Table, CaseClock.__table__)
_CLOCKS = _CLOCKS_TABLE.c
_CASES_TABLE = cast(Table, RoutedCase.__table__)
_CASES = _CASES_TABLE.c


def _written(word: str) -> ColumnElement[str]:
    """A word of the vocabulary written into the statement, not bound: the table's two dozen
    constants would otherwise be as many parameters to send with every execution."""
    assert word.isidentifier(), word  # a status or a kind, never input: nothing to escape
    return literal_column(f"'{word}'", String)


def _runs_in(status: ColumnElement[str]) -> ColumnElement[bool]:
    """Whether the clock's kind runs while the case is in `status`: CLOCKS_BY_STATUS as a CASE
    over the status (no branch for a finished case: nothing runs)."""
    return case(
        *(
            (status == _written(name), _CLOCKS.kind.in_([_written(k) for k in sorted(kinds)]))
            for name, kinds in CLOCKS_BY_STATUS.items()
        ),
        else_=false(),
    )


def _earliest(case_id: ColumnElement[uuid.UUID], status: ColumnElement[str]) -> Select[Any]:
    """The case's clock that matters in `status`: (due_at, kind), or no row."""
    return (
        select(_CLOCKS.due_at, _CLOCKS.kind)
        .where(
            _CLOCKS.case_id == case_id,
            _CLOCKS.state.in_([_written(state) for state in COUNTING]),
            _CLOCKS.due_at.is_not(None),
            _runs_in(status),
        )
        .order_by(_CLOCKS.due_at, _CLOCKS.kind)
        .limit(1)
    )


# A step's read, for the status the step is about to write (a parameter: the step has not
# flushed it).
_NEXT_DUE = _earliest(
    bindparam("case_id", type_=_CLOCKS.case_id.type), bindparam("status", type_=String)
)


async def next_due(
    session: AsyncSession, case_id: uuid.UUID, status: str
) -> tuple[datetime | None, str | None]:
    """The due time and kind of the case's clock that matters in `status` (None, None: none)."""
    row = (await session.execute(_NEXT_DUE, {"case_id": case_id, "status": status})).first()
    return (row.due_at, row.kind) if row is not None else (None, None)


# The deadline handler's write, after its clock's merge locked the case: due_at and due_kind
# from the clocks for the status the row has now (an official's step that committed first has
# set it), in one statement that loads nothing. Like every write of a case it moves the version
# (RoutedCase's version_id_col), so an ORM path holding an older copy fails at its flush instead
# of overwriting. A clock that changes nothing the queue shows writes nothing, as the ORM's
# flush did: the version moves only when the case does. SQLite keeps these times as text in one
# fixed-width UTC form (shared.db.UtcDateTime): ordered as text, they are ordered in time.
_MATTERS_NOW = _earliest(_CASES.id, _CASES.status)
_DUE_AT = _MATTERS_NOW.with_only_columns(_CLOCKS.due_at).scalar_subquery()
_DUE_KIND = _MATTERS_NOW.with_only_columns(_CLOCKS.kind).scalar_subquery()
_SET_DUE = (
    update(_CASES_TABLE)
    .where(
        _CASES.id == bindparam("case_id"),
        or_(_CASES.due_at.is_distinct_from(_DUE_AT), _CASES.due_kind.is_distinct_from(_DUE_KIND)),
    )
    .values(due_at=_DUE_AT, due_kind=_DUE_KIND, version=_CASES.version + 1)
)


async def set_due(session: AsyncSession, case_id: uuid.UUID) -> None:
    """Set the case's due_at/due_kind from its clocks for its status (the case must be locked:
    merge_clock does it)."""
    await session.execute(_SET_DUE, {"case_id": case_id})


@functools.cache
def _merge_clock(dialect: str) -> Executable:
    """newer_wins over a SELECT of the case's row, FOR UPDATE: a clock of a case routing does
    not hold inserts nothing, and the case is locked before its clocks are read, so an
    official's step on it (which locks it too, cases.repository.lock_case) and this handler
    run one after the other (SQLite's BEGIN IMMEDIATE already serialises writers). The values
    are typed parameters: a SELECT's bare parameter would reach PostgreSQL as text."""
    held = (
        select(
            bindparam("deadline_id", type_=_CLOCKS.deadline_id.type),
            _CASES.id,
            bindparam("kind", type_=_CLOCKS.kind.type),
            bindparam("due_at", type_=_CLOCKS.due_at.type),
            bindparam("state", type_=_CLOCKS.state.type),
            bindparam("announced_at", type_=_CLOCKS.announced_at.type),
        )
        .where(_CASES.id == bindparam("case_id"))
        .with_for_update()
    )
    # On the table, not the model: a Core INSERT … SELECT, which the ORM's bulk insert
    # would not take (nor need: it loads nothing).
    upsert = newer_wins(
        dialect, _CLOCKS_TABLE, key="deadline_id", stamp="announced_at", columns=("due_at", "state")
    )
    columns = ("deadline_id", "case_id", "kind", "due_at", "state", "announced_at")
    return upsert.from_select(columns, held)


async def merge_clock(session: AsyncSession, clock: dict[str, Any]) -> bool:
    """A clock as notification announced it: added, or updated by an announcement newer than
    the one that last set it (an older one never wins), in one statement that also locks the
    case. False when nothing was written: the case is not routing's, or the announcement is
    older than the one kept (no clock changed, so neither did the due time: every change of
    a clock or of the status sets it)."""
    result = await session.execute(_merge_clock(dialect_of(session)), clock)
    return bool(cast(CursorResult[Any], result).rowcount)
