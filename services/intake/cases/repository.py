from __future__ import annotations

import functools
import uuid
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    Executable,
    Insert,
    Table,
    Update,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.cases.models import (
    Case,
    CaseDeadline,
    IdempotencyRecord,
    Submitter,
    TimelineEntry,
)
from shared.db import (
    dialect_of,
    named_values,
    newer_wins,
    row_params,
    upsert_into,
    violates_foreign_key,
)
from shared.events import Envelope
from shared.messaging.outbox import Outbox


async def get(session: AsyncSession, case_id: uuid.UUID) -> Case | None:
    return await session.get(Case, case_id)


async def by_tracking_code(session: AsyncSession, code: str) -> Case | None:
    result = await session.execute(select(Case).where(Case.tracking_code == code))
    return result.scalar_one_or_none()


async def for_update(session: AsyncSession, case_id: uuid.UUID) -> Case | None:
    result = await session.execute(select(Case).where(Case.id == case_id).with_for_update())
    return result.scalar_one_or_none()


# A new case's rows, built once (every filed case): Core inserts, no ORM unit of work.
_CASES = cast(Table, Case.__table__)
_SUBMITTERS = cast(Table, Submitter.__table__)
_TIMELINE = cast(Table, TimelineEntry.__table__)
_ANSWERS = cast(Table, IdempotencyRecord.__table__)
_ADD_CASE = insert(_CASES)
_ADD_SUBMITTER = insert(_SUBMITTERS)
_ADD_TIMELINE = insert(_TIMELINE)


async def add_case(
    session: AsyncSession,
    case: dict[str, Any],
    submitter: dict[str, Any] | None,
    first_entry: dict[str, Any],
    outbox: Outbox,
    event: Envelope,
    answer: dict[str, Any] | None = None,
) -> None:
    """A filed case: its row, its submitter's (None: anonymous), its timeline's first and its
    event's outbox row, and under an Idempotency-Key the `answer` a retry gets (its key,
    status_code and response; the key claimed before). On PostgreSQL in one statement, one
    round trip: data-modifying CTEs, whose foreign keys are checked at the statement's end,
    when the case's row is there. SQLite has no such CTEs: a statement each."""
    if dialect_of(session) != "postgresql":
        await session.execute(_ADD_CASE, case)
        if submitter is not None:
            await session.execute(_ADD_SUBMITTER, submitter)
        await session.execute(_ADD_TIMELINE, first_entry)
        await outbox.add(session, event)
        if answer is not None:
            await store_answer(session, answer["key"], answer["status_code"], answer["response"])
        return
    rows = {
        "case": case,
        "submitter": submitter or {},
        "entry": first_entry,
        "event": outbox.row(event, first_entry["at"]),
        "answer": answer or {},
    }
    statement = _case_at_once(outbox.table, *(tuple(sorted(row)) for row in rows.values()))
    await session.execute(statement, named_values(rows))
    outbox.added(session)


@functools.cache
def _case_at_once(
    outbox: Table,
    case: tuple[str, ...],
    submitter: tuple[str, ...],
    entry: tuple[str, ...],
    event: tuple[str, ...],
    answer: tuple[str, ...],
) -> Executable:
    """The four inserts (and the answer's update) as one statement, built once per shape of
    the rows (an anonymous case has no submitter, a request without a key no answer); each
    parameter named after its row, typed by its column (shared.db.row_params)."""
    ctes = [insert(_CASES).values(row_params(_CASES, "case", case)).cte("new_case")]
    if submitter:
        who = row_params(_SUBMITTERS, "submitter", submitter)
        ctes.append(insert(_SUBMITTERS).values(who).cte("who"))
    ctes.append(insert(_TIMELINE).values(row_params(_TIMELINE, "entry", entry)).cte("received"))
    if answer:
        stored = row_params(_ANSWERS, "answer", (k for k in answer if k != "key"))
        key = bindparam("answer_key", type_=_ANSWERS.c.key.type)
        ctes.append(update(_ANSWERS).where(_ANSWERS.c.key == key).values(stored).cte("answered"))
    return insert(outbox).values(row_params(outbox, "event", event)).add_cte(*ctes)


def _apply_step() -> Update:
    """One UPDATE for a unit's step, built once (every case has several): it writes each
    field under the rule of on_unit_step (handlers.py), computed, as SQL's SET expressions
    are, from the row as it was before the step. Its parameters are typed by the columns
    they are compared with, so that SQLite, which keeps datetimes as text, compares them in
    one format. Returns the resolution as it stood, for the two steps that merge into it."""
    c = _CASES.c
    at = bindparam("at", type_=c.status_at.type)
    unit_name = bindparam("new_unit_name", type_=c.unit_name.type)  # None: not named
    unit_code = bindparam("new_unit_code", type_=c.unit_code.type)
    newest = at >= c.status_at
    names_unit = and_(unit_name.is_not(None), or_(c.unit_at.is_(None), at >= c.unit_at))
    kind = bindparam("new_kind", type_=c.kind.type)  # None unless the step reclassified
    remote_area = bindparam("new_remote_area", type_=c.remote_area.type)
    return (
        update(_CASES)
        .where(c.id == bindparam("case_id", type_=c.id.type))
        .values(
            status=case((newest, bindparam("new_status", type_=c.status.type)), else_=c.status),
            status_at=case((newest, at), else_=c.status_at),
            kind=case((newest, func.coalesce(kind, c.kind)), else_=c.kind),
            # A step that does not name the unit fills its code if nothing named it yet.
            unit_code=case((or_(names_unit, c.unit_code.is_(None)), unit_code), else_=c.unit_code),
            unit_name=case((names_unit, unit_name), else_=c.unit_name),
            unit_at=case((names_unit, at), else_=c.unit_at),
            remote_area=case((names_unit, remote_area), else_=c.remote_area),
        )
        .returning(c.resolution, c.resolved_on)
    )


_APPLY_STEP = _apply_step()


def _step_with_entry() -> Executable:
    """The step's UPDATE and its timeline row in one statement (PostgreSQL): the row is
    written only where the case was (the UPDATE returned it), once per event."""
    step = _APPLY_STEP.cte("step")
    c = _TIMELINE.c
    entry = (
        postgresql.insert(_TIMELINE)
        .from_select(
            ["event_id", "case_id", "at", "status", "step", "note"],
            select(
                bindparam("entry_event_id", type_=c.event_id.type),
                bindparam("case_id", type_=c.case_id.type),
                bindparam("at", type_=_CASES.c.status_at.type),
                bindparam("new_status", type_=_CASES.c.status.type),
                bindparam("entry_step", type_=c.step.type),
                bindparam("entry_note", type_=c.note.type),
            ).where(exists(select(step.c.resolved_on))),
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
        .cte("entry")
    )
    return select(step.c.resolution, step.c.resolved_on).add_cte(entry)


_APPLY_STEP_WITH_ENTRY = _step_with_entry()


async def apply_step(
    session: AsyncSession,
    *,
    case_id: uuid.UUID,
    at: datetime,
    status: str,
    kind: str | None,
    unit_code: str,
    unit_name: str | None,
    remote_area: bool,
    entry: dict[str, Any] | None = None,
) -> tuple[dict[str, Any] | None, date | None] | None:
    """Apply a unit's step at `at` to the case's row, locking it, in one statement; the
    resolution and its date as they stood, or None if there is no such case. With `entry`
    (the timeline's row for the step: event_id, step, note), that row too, unless a replay
    under another delivery wrote it: in the same statement on PostgreSQL."""
    params = {
        "case_id": case_id,
        "at": at,
        "new_status": status,
        "new_kind": kind,
        "new_unit_code": unit_code,
        "new_unit_name": unit_name,
        "new_remote_area": remote_area,
    }
    at_once = entry is not None and dialect_of(session) == "postgresql"
    if at_once:
        params |= named_values({"entry": entry or {}})
    statement = _APPLY_STEP_WITH_ENTRY if at_once else _APPLY_STEP
    row = (await session.execute(statement, params)).first()
    if row is None:
        return None
    if entry is not None and not at_once:
        await add_timeline_entry(session, case_id=case_id, at=at, status=status, **entry)
    return row.resolution, row.resolved_on


_SET_RESOLUTION = (
    update(_CASES)
    .where(_CASES.c.id == bindparam("case_id", type_=_CASES.c.id.type))
    .values(
        resolution=bindparam("new_resolution", type_=_CASES.c.resolution.type),
        resolved_on=bindparam("new_resolved_on", type_=_CASES.c.resolved_on.type),
    )
)


async def set_resolution(
    session: AsyncSession,
    case_id: uuid.UUID,
    resolution: dict[str, Any],
    resolved_on: date | None,
) -> None:
    """The case's resolution, merged by the caller from what apply_step returned (the row is
    locked by then: nothing wrote it in between)."""
    await session.execute(
        _SET_RESOLUTION,
        {"case_id": case_id, "new_resolution": resolution, "new_resolved_on": resolved_on},
    )


async def add_timeline_entry(session: AsyncSession, **entry: Any) -> None:
    """The timeline's row for an event, unless a replay under another delivery wrote it:
    one statement, where a look-up and an insert took two."""
    await session.execute(_add_timeline_entry(dialect_of(session)), entry)


@functools.cache
def _add_timeline_entry(dialect: str) -> Insert:
    statement = upsert_into(dialect, TimelineEntry)
    return statement.on_conflict_do_nothing(index_elements=["event_id"])


async def merge_deadline(session: AsyncSession, **deadline: Any) -> None:
    """A deadline of the case's view, added, or updated by an event newer than the one that
    last set it (events may arrive out of order), in one statement, with no lock on the case:
    two events of one deadline at once meet on its key (PostgreSQL's ON CONFLICT makes the
    second wait for the first, then update, or not, what it wrote; SQLite has one writer at a
    time), and the row's foreign key refuses a case that does not exist (LookupError)."""
    statement = newer_wins(
        dialect_of(session),
        CaseDeadline,
        key="id",
        stamp="updated_by_event_at",
        columns=("due_at", "state", "basis"),
    )
    try:
        await session.execute(statement, deadline)
    except IntegrityError as exc:
        if not violates_foreign_key(exc):
            raise
        raise LookupError(f"a deadline of unknown case {deadline['case_id']}") from exc


async def deadlines(session: AsyncSession, case_id: uuid.UUID) -> list[CaseDeadline]:
    result = await session.execute(
        select(CaseDeadline).where(CaseDeadline.case_id == case_id).order_by(CaseDeadline.due_at)
    )
    return list(result.scalars())


async def timeline(session: AsyncSession, case_id: uuid.UUID) -> list[TimelineEntry]:
    result = await session.execute(
        select(TimelineEntry)
        .where(TimelineEntry.case_id == case_id)
        .order_by(TimelineEntry.at, TimelineEntry.event_id)
    )
    return list(result.scalars())


async def set_media_urls(session: AsyncSession, case_id: uuid.UUID, urls: list[str]) -> None:
    await session.execute(update(Case).where(Case.id == case_id).values(media_urls=urls))


@functools.cache
def _claim(dialect: str) -> Executable:
    statement = upsert_into(dialect, _ANSWERS)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[_ANSWERS.c.key],
        set_={
            "request_hash": new.request_hash,
            "created_at": new.created_at,
            "status_code": None,
            "response": None,
        },
        where=_ANSWERS.c.created_at < bindparam("older_than"),
    ).returning(_ANSWERS.c.key)


async def claim_key(
    session: AsyncSession, key: str, request_hash: str, now: datetime, older_than: datetime
) -> bool:
    """Claim `key` for this request, in one statement: True when no answer was stored under
    it, or only one older than `older_than` (then replaced). A claim of the same key by a
    transaction still open makes this one wait for it to end, then find its answer."""
    claimed = await session.execute(
        _claim(dialect_of(session)),
        {"key": key, "request_hash": request_hash, "created_at": now, "older_than": older_than},
    )
    return claimed.first() is not None


_STORE_ANSWER = update(_ANSWERS).where(_ANSWERS.c.key == bindparam("answer_key"))


async def store_answer(
    session: AsyncSession, key: str, status_code: int, response: dict[str, Any]
) -> None:
    """The answer to give a retry of the request that claimed `key`."""
    await session.execute(
        _STORE_ANSWER, {"answer_key": key, "status_code": status_code, "response": response}
    )


async def sweep_expired_answers(session: AsyncSession, older_than: datetime) -> None:
    """A hundred of the stored answers older than `older_than`."""
    expired = IdempotencyRecord.created_at < older_than
    stale = select(IdempotencyRecord.key).where(expired).limit(100).correlate(None)
    await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.key.in_(stale.scalar_subquery()))
    )


async def stored_answer(session: AsyncSession, key: str) -> IdempotencyRecord:
    """The answer stored under `key` (read afresh: another transaction wrote it)."""
    result = await session.execute(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )
    return result.scalar_one()
