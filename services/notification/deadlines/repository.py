"""The deadlines feature's queries."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Collection
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    CTE,
    Executable,
    Table,
    and_,
    case,
    func,
    insert,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.deadlines.models import (
    BREACHED,
    OPEN_STATES,
    RUNNING,
    Deadline,
    DeadlineChange,
    TrackedCase,
)
from shared.db import dialect_of, named_values, row_params, upsert_into


async def lock_tracked(session: AsyncSession, case_id: uuid.UUID, **first: Any) -> TrackedCase:
    """The tracked case's row, locked, inserted with `first` if absent.

    Two transactions can record the same case at once: an appeal's new case from the
    appeal's event and from its own case.routed (two partitions), or an old and a new
    replica during the switch to one consumer group. A read-then-add lets the second hit
    the primary key and spend one of its attempts on a retry; an insert whose conflict
    locks the row (merge_tracked, with nothing to update) makes whichever runs second simply
    find and update it."""
    return await merge_tracked(session, case_id, first, updates=())


# What a case's event tells of it, merged into its row in one statement (below): the event's
# values, except that a second-time complaint stays one, and an empty contact keeps the one
# known (the notices part and the clocks part both record the same event).
_KEEPS: dict[str, Callable[[Any, Any], Any]] = {
    "second_time": lambda row, new: row.second_time | new.second_time,
    "contact_ref": lambda row, new: func.coalesce(new.contact_ref, row.contact_ref),
}


async def merge_tracked(
    session: AsyncSession, case_id: uuid.UUID, first: dict[str, Any], *, updates: tuple[str, ...]
) -> TrackedCase:
    """The tracked case's row, locked: inserted with `first` if absent, else its `updates`
    columns set from `first` (`second_time` and `contact_ref` as _KEEPS says). One round trip,
    where an insert, a locking read and a flush of the changes took three."""
    case: TrackedCase | None = await session.scalar(
        _merge_tracked(dialect_of(session), updates),
        {"case_id": case_id, **first},
        execution_options={"populate_existing": True},
    )
    assert case is not None  # inserted or updated, and returned
    return case


@functools.cache
def _merge_tracked(dialect: str, updates: tuple[str, ...]) -> Executable:
    statement = upsert_into(dialect, TrackedCase)
    row, new = TrackedCase.__table__.c, statement.excluded
    changes = {
        name: _KEEPS[name](row, new) if name in _KEEPS else getattr(new, name) for name in updates
    }
    # With no `updates`, an update that changes nothing: it locks the row all the same.
    upsert = statement.on_conflict_do_update(
        index_elements=["case_id"], set_=changes or {"case_id": new.case_id}
    ).returning(TrackedCase)
    return select(TrackedCase).from_statement(upsert)


# A deadline's history row, written on every change: Core, built once, no unit of work.
_ADD_CHANGE = insert(cast(Table, DeadlineChange.__table__))


async def add_change(session: AsyncSession, change: dict[str, Any]) -> None:
    await session.execute(_ADD_CHANGE, change)


async def tracked_case(session: AsyncSession, case_id: uuid.UUID) -> TrackedCase | None:
    return await session.get(TrackedCase, case_id)


async def locked_clock(
    session: AsyncSession, case_id: uuid.UUID, step: str, round_: int
) -> Deadline | None:
    """The case's clock for `step` in `round_`, locked (one per case, step and round)."""
    return await session.scalar(
        select(Deadline)
        .where(Deadline.case_id == case_id, Deadline.step == step, Deadline.round == round_)
        .with_for_update()
    )


async def of_case(session: AsyncSession, case_id: uuid.UUID) -> list[Deadline]:
    """A case's deadlines, round by round, soonest first."""
    query = select(Deadline).where(Deadline.case_id == case_id)
    return list((await session.scalars(query.order_by(Deadline.round, Deadline.due_at))).all())


async def changes_of_case(session: AsyncSession, case_id: uuid.UUID) -> list[DeadlineChange]:
    """The history of a case's deadlines, oldest first."""
    query = select(DeadlineChange).where(DeadlineChange.case_id == case_id)
    return list((await session.scalars(query.order_by(DeadlineChange.at, DeadlineChange.id))).all())


async def page(
    session: AsyncSession,
    *,
    seen_by: str | None,
    unit_code: str | None,
    state: str | None,
    due_before: datetime | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Deadline]:
    """Up to `limit` deadlines, soonest first, after the (due_at, id) `after`; `seen_by`: only
    those of that unit or of a unit in that province (None: all)."""
    query = select(Deadline)
    if seen_by is not None:
        query = query.where(or_(Deadline.unit_code == seen_by, Deadline.province_code == seen_by))
    if unit_code:
        query = query.where(Deadline.unit_code == unit_code)
    if state:
        query = query.where(Deadline.state == state)
    if due_before is not None:
        query = query.where(Deadline.due_at < due_before)
    if after is not None:
        due, ident = after
        query = query.where(
            or_(Deadline.due_at > due, and_(Deadline.due_at == due, Deadline.id > ident))
        )
    return list(
        (await session.scalars(query.order_by(Deadline.due_at, Deadline.id).limit(limit))).all()
    )


async def open_of_case(
    session: AsyncSession, case_id: uuid.UUID, steps: Collection[str] | None = None
) -> list[Deadline]:
    """A case's open clocks (of `steps`, or all), soonest first."""
    query = select(Deadline).where(Deadline.case_id == case_id, Deadline.state.in_(OPEN_STATES))
    if steps is not None:
        query = query.where(Deadline.step.in_(steps))
    return list((await session.execute(query.order_by(Deadline.due_at))).scalars())


async def add_clock(session: AsyncSession, **clock: Any) -> Deadline | None:
    """A new clock, unless the case has one for its step in its round already, whatever its
    state (None then): one statement, where a look-up and an insert took two."""
    added: Deadline | None = await session.scalar(_add_clock(dialect_of(session)), clock)
    return added


@functools.cache
def _add_clock(dialect: str) -> Executable:
    statement = (
        upsert_into(dialect, Deadline)
        .on_conflict_do_nothing(index_elements=["case_id", "step", "round"])
        .returning(Deadline)
    )
    return select(Deadline).from_statement(statement)


_DEADLINES = cast(Table, Deadline.__table__)
_CHANGES = cast(Table, DeadlineChange.__table__)


async def add_clock_at_once(
    session: AsyncSession,
    clock: dict[str, Any],
    change: dict[str, Any],
    timers_table: Table,
    timers: list[dict[str, Any]],
    outbox: Table,
    event: dict[str, Any],
) -> Deadline | None:
    """PostgreSQL: `add_clock`, and if it adds the clock, its history's row, its timers (every
    column given, each of them alike) and its event's outbox row, in one statement
    (data-modifying CTEs, each of the last three inserting a row for each row the clock's
    insert returned: one or none). None if the case has the clock already, and then nothing
    is written."""
    rows = {"clock": clock, "change": change, "event": event}
    rows.update((f"timer{i}", timer) for i, timer in enumerate(timers))
    statement = _clock_at_once(
        timers_table,
        outbox,
        tuple(sorted(clock)),
        tuple(sorted(change)),
        tuple(sorted(timers[0])) if timers else (),
        len(timers),
        tuple(sorted(event)),
    )
    added: Deadline | None = await session.scalar(statement, named_values(rows))
    return added


@functools.cache
def _clock_at_once(
    timers_table: Table,
    outbox: Table,
    clock: tuple[str, ...],
    change: tuple[str, ...],
    timer: tuple[str, ...],
    timers: int,
    event: tuple[str, ...],
) -> Executable:
    """The four inserts as one statement, built once per shape of the rows (how many timers
    a clock needs depends on the reminders still ahead); each parameter named after its row,
    typed by its column (shared.db.row_params)."""
    added = (
        postgresql.insert(_DEADLINES)
        .values(row_params(_DEADLINES, "clock", clock))
        .on_conflict_do_nothing(index_elements=["case_id", "step", "round"])
        .returning(*_DEADLINES.c)
        .cte("clock")
    )

    def with_clock(table: Table, keys: tuple[str, ...], *names: str) -> CTE:
        """An insert of the rows `names` (the parameters' prefixes), each once for each row
        the clock's insert returned; named after the table."""
        chosen = [
            select(*row_params(table, name, keys).values()).select_from(added) for name in names
        ]
        rows = chosen[0] if len(chosen) == 1 else union_all(*chosen)
        return insert(table).from_select(list(keys), rows).cte(f"new_{table.name}")

    ctes = [with_clock(_CHANGES, change, "change")]
    if timers:
        ctes.append(with_clock(timers_table, timer, *(f"timer{i}" for i in range(timers))))
    ctes.append(with_clock(outbox, event, "event"))
    return select(Deadline).from_statement(select(added).add_cte(*ctes))


async def in_states(
    session: AsyncSession, case_id: uuid.UUID, steps: Collection[str], states: Collection[str]
) -> list[Deadline]:
    """The case's clocks of `steps` that are in one of `states`."""
    rows = await session.execute(
        select(Deadline).where(
            Deadline.case_id == case_id, Deadline.step.in_(steps), Deadline.state.in_(states)
        )
    )
    return list(rows.scalars())


async def locked_in_states(
    session: AsyncSession, case_id: uuid.UUID, step: str, states: Collection[str]
) -> list[Deadline]:
    """The case's clocks of `step` in one of `states`, round by round, locked."""
    rows = await session.scalars(
        select(Deadline)
        .where(Deadline.case_id == case_id, Deadline.step == step, Deadline.state.in_(states))
        .order_by(Deadline.round)
        .with_for_update()
    )
    return list(rows)


async def running(
    session: AsyncSession, *, due_from: date | None, policy_id: str | None, lock: bool
) -> list[Deadline]:
    """The running clocks (due on or after `due_from`, under `policy_id`), soonest first."""
    query = select(Deadline).where(Deadline.state == RUNNING)
    if due_from is not None:
        query = query.where(Deadline.due_on >= due_from)
    if policy_id is not None:
        query = query.where(Deadline.policy_id == policy_id)
    if lock:
        query = query.with_for_update()
    return list((await session.execute(query.order_by(Deadline.due_at, Deadline.id))).scalars())


async def first_start(
    session: AsyncSession, case_id: uuid.UUID, round_: int, steps: Collection[str]
) -> date | None:
    """The earliest start of the case's clocks of `steps` in `round_`."""
    return await session.scalar(
        select(func.min(Deadline.starts_on)).where(
            Deadline.case_id == case_id, Deadline.round == round_, Deadline.step.in_(steps)
        )
    )


async def last_round(session: AsyncSession, case_id: uuid.UUID) -> int:
    found = await session.scalar(
        select(func.coalesce(func.max(Deadline.round), 0)).where(Deadline.case_id == case_id)
    )
    return int(found or 0)


async def urgent_counts(
    session: AsyncSession, due_by: datetime
) -> list[tuple[str | None, str, str, str, int]]:
    """(province, case kind, step, "breached" or "due_soon", count): the breached clocks and
    the running ones due by `due_by`."""
    urgency = case((Deadline.state == BREACHED, "breached"), else_="due_soon")
    query = (
        select(Deadline.province_code, Deadline.case_kind, Deadline.step, urgency, func.count())
        .where(
            (Deadline.state == BREACHED)
            | ((Deadline.state == RUNNING) & (Deadline.due_at <= due_by))
        )
        .group_by(Deadline.province_code, Deadline.case_kind, Deadline.step, urgency)
    )
    return [tuple(row) for row in (await session.execute(query)).all()]


async def locked_by_id(session: AsyncSession, ids: Collection[uuid.UUID]) -> list[Deadline]:
    """The clocks of `ids`, locked in id order (batches lock in one order: no deadlock)."""
    query = select(Deadline).where(Deadline.id.in_(ids)).order_by(Deadline.id).with_for_update()
    return list((await session.execute(query)).scalars())


async def tracked(session: AsyncSession, case_ids: Collection[uuid.UUID]) -> list[TrackedCase]:
    query = select(TrackedCase).where(TrackedCase.case_id.in_(case_ids))
    return list((await session.execute(query)).scalars())
