"""Reading cases: the case lock every step and handler takes, and the audit trail; and a new
case's rows, written at once."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Executable,
    FromClause,
    Insert,
    Select,
    Table,
    insert,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import CaseStep, RoutedCase
from shared.db import dialect_of, named_values, row_params, upsert_into
from shared.events import Envelope
from shared.messaging.outbox import Outbox


async def lock_case(session: AsyncSession, case_id: uuid.UUID) -> RoutedCase | None:
    """The case, locked for this transaction and freshly read."""
    result = await session.execute(
        select(RoutedCase)
        .where(RoutedCase.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


# Every step's audit row: Core, built once (the step's own flush writes the case).
_STEPS = cast(Table, CaseStep.__table__)
_ADD_STEP = insert(_STEPS)


async def add_step(session: AsyncSession, step: dict[str, Any]) -> None:
    await session.execute(_ADD_STEP, step)


async def history(session: AsyncSession, case_id: uuid.UUID) -> Sequence[CaseStep]:
    """Every step of a case, in the order taken."""
    rows = await session.execute(
        select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.id)
    )
    return rows.scalars().all()


# A new case's part of the public figures. stats/rollup.py, which counts every change of a case
# from the ORM's flush (its mapper events on RoutedCase), registers here what a case inserted
# without the ORM adds (`add_routed`): for each roll-up table, its rows, key and counters.
Contribution = Callable[[Mapping[str, Any]], list[tuple[Table, list[dict[str, Any]]]]]
_COUNTERS: list[Contribution] = []


def count_new_cases(contribution: Contribution) -> None:
    """Have `add_routed` add what `contribution` says a new case adds to the roll-up."""
    _COUNTERS[:] = [contribution]


def _counted(case: Mapping[str, Any]) -> list[tuple[Table, list[dict[str, Any]]]]:
    return [part for contribution in _COUNTERS for part in contribution(case)]


@functools.lru_cache(maxsize=512)
def increments(table: Table, dialect: str, counters: tuple[str, ...]) -> Insert:
    """An UPSERT that adds its rows' `counters` to those under the same key (the table's primary
    key): `n = n + excluded.n`. Built once per table and set of counters: `excluded` builds a
    new alias, with a proxy of every column, each time it is asked for (a fifth of routing's CPU
    per event). The roll-up's mapper events send theirs (stats/repository/rollup.py)."""
    statement = upsert_into(dialect, table)
    keys = [c.name for c in table.primary_key.columns]
    return statement.on_conflict_do_update(
        index_elements=keys, set_={c: table.c[c] + statement.excluded[c] for c in counters}
    )


_CASE_TABLE = cast(Table, RoutedCase.__table__)


@functools.cache
def _add_case_once(dialect: str, keys: tuple[str, ...], only_if: ColumnElement[bool]) -> Insert:
    """The case's row unless routing holds it already (a replay under another event id) or
    `only_if` is false: the insert tells which, where a look-up took a statement of its own."""
    values = _selected(_CASE_TABLE, "case", keys).where(only_if)
    statement = upsert_into(dialect, _CASE_TABLE).from_select(keys, values)
    return statement.on_conflict_do_nothing(index_elements=["id"]).returning(_CASE_TABLE.c.id)


def _selected(table: Table, name: str, keys: tuple[str, ...]) -> Select[Any]:
    """A row given as parameters (shared.db.row_params), as a SELECT to insert from."""
    return select(*(param.label(key) for key, param in row_params(table, name, keys).items()))


async def add_routed(
    session: AsyncSession,
    case: dict[str, Any],
    step: dict[str, Any],
    outbox: Outbox,
    event: Envelope,
    only_if: ColumnElement[bool],
    only_if_params: dict[str, Any],
) -> bool:
    """A new case routed: its row, its part of the roll-up, its audit row and its event's outbox
    row, all written only if routing does not hold the case already and `only_if` (of
    `only_if_params`) holds when the case is written (False otherwise: nothing is written).
    `only_if` is one expression built once (it keys the statements built). On PostgreSQL one
    statement, one round trip: data-modifying CTEs, every one of them reading the case's
    insert, which returns no row when the case was there or `only_if` failed. SQLite has no
    such CTEs: an insert each, after the case's. `case` holds the row's columns (those it
    leaves out take their defaults, as the ORM's insert leaves them: no JSON null)."""
    counted = _counted(case)
    params = named_values({"case": case}) | only_if_params
    if dialect_of(session) != "postgresql":
        added = await session.execute(_add_case_once("sqlite", tuple(case), only_if), params)
        if added.first() is None:
            return False
        for table, rows in counted:
            await session.execute(increments(table, "sqlite", _counters_of(table, rows)), rows)
        await session.execute(_ADD_STEP, step)
        await outbox.add(session, event)
        return True
    event_row = outbox.row(event, step["at"])
    figures = tuple((table, len(rows), tuple(sorted(rows[0]))) for table, rows in counted)
    statement = _routed_at_once(
        outbox.table, *(tuple(sorted(row)) for row in (case, step, event_row)), figures, only_if
    )
    params |= named_values({"step": step, "event": event_row})
    params |= named_values(
        {f"f{n}_{m}": row for n, (_table, rows) in enumerate(counted) for m, row in enumerate(rows)}
    )
    if (await session.execute(statement, params)).first() is None:
        return False
    outbox.added(session)
    return True


def _counters_of(table: Table, rows: list[dict[str, Any]]) -> tuple[str, ...]:
    keys = {c.name for c in table.primary_key.columns}
    return tuple(sorted(name for name in rows[0] if name not in keys))


@functools.cache
def _routed_at_once(
    outbox: Table,
    case: tuple[str, ...],
    step: tuple[str, ...],
    event: tuple[str, ...],
    figures: tuple[tuple[Table, int, tuple[str, ...]], ...],
    only_if: ColumnElement[bool],
) -> Executable:
    """add_routed's statement, built once per shape of its rows: the case's insert, returning
    its id only when it inserted it, and each other insert a SELECT of its parameters from it.
    Each parameter named after its row, typed by its column."""

    def from_case(
        table: Table, name: str, keys: tuple[str, ...], after: FromClause | None = None
    ) -> Select[Any]:
        return _selected(table, name, keys).select_from(new if after is None else after)

    new = _add_case_once("postgresql", case, only_if).cte("new_case")
    ctes = []
    # The roll-up's rows in the order the mapper events send them, figures first: rows that
    # many cases share, taken in one order by every transaction, so that two never wait for
    # each other crosswise. PostgreSQL runs CTEs in an order of its own (it ran the second
    # first, and two batches deadlocked): each reads the one before it, which must then have
    # taken its rows (an upsert returns one row per row it wrote; new_case's none, none).
    after: FromClause | None = None
    for n, (table, count, keys) in enumerate(figures):
        rows = [from_case(table, f"f{n}_{m}", keys, after) for m in range(count)]
        source = rows[0] if count == 1 else union_all(*rows)
        counters = _counters_of(table, [dict.fromkeys(keys)])
        upsert = increments(table, "postgresql", counters).from_select(keys, source)
        counted = upsert.returning(literal_column("1").label("counted")).cte(f"counted_{n}")
        ctes.append(counted)
        after = select(counted.c.counted).limit(1).subquery(f"after_{n}")
    ctes.append(insert(_STEPS).from_select(step, from_case(_STEPS, "step", step)).cte("audit"))
    return (
        insert(outbox)
        .from_select(event, from_case(outbox, "event", event))
        .returning(outbox.c.event_id)
        .add_cte(new, *ctes)
    )
