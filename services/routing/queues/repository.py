"""The work queue's query: a unit's cases by due time (nulls last), then id, read by keyset."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.routing.cases.models import RoutedCase
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


async def running_clocks(
    session: AsyncSession, case_id: uuid.UUID, kinds: Iterable[str]
) -> Sequence[tuple[str, datetime | None]]:
    """The case's clocks of `kinds` still running (or breached), with a due time: (kind, due_at)."""
    rows = await session.execute(
        select(CaseClock.kind, CaseClock.due_at).where(
            CaseClock.case_id == case_id,
            CaseClock.kind.in_(tuple(kinds)),
            CaseClock.state.in_(("running", "breached")),
            CaseClock.due_at.is_not(None),
        )
    )
    return [(kind, at) for kind, at in rows]


async def merge_clock(session: AsyncSession, **clock: Any) -> None:
    """A clock as notification announced it: added, or updated by an announcement newer
    than the one that last set it (an older one never wins), in one statement."""
    statement = newer_wins(
        dialect_of(session),
        CaseClock,
        key="deadline_id",
        stamp="announced_at",
        columns=("due_at", "state"),
    )
    await session.execute(statement, clock)
