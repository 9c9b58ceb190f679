from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    CursorResult,
    Executable,
    String,
    Table,
    Uuid,
    any_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy import cast as sa_cast
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.notices.models import PENDING, Notification, UnitContact
from shared.db import dialect_of, named_values, row_params, upsert_into
from shared.events import Envelope
from shared.messaging.outbox import Outbox

_NOTICES = cast(Table, Notification.__table__)


async def add_new_notices(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the notices whose dedupe key none has yet, in one statement; how many were.

    A Core insert into the table: the ORM's bulk insert of the model (what an entity's insert
    given a list of rows is) cost more CPU per event than the statement's round trip, and
    builds nothing the caller uses. One row (an event's citizen notice, the usual case) is
    passed as one parameter set, not a list of one (an executemany)."""
    statement = _add_new_notices(dialect_of(session))
    params = rows[0] if len(rows) == 1 else list(rows)
    return len((await session.execute(statement, params)).all())


@functools.cache
def _add_new_notices(dialect: str) -> Executable:
    return (
        upsert_into(dialect, _NOTICES)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(_NOTICES.c.id)
    )


# The columns a queued notice is written with (the rest keep their defaults: NULL).
_QUEUED = (
    *("id", "dedupe_key", "case_id", "audience", "channel", "recipient", "template"),
    *("language", "context", "state", "attempts", "next_attempt_at", "created_at"),
)


async def add_step_notices(
    session: AsyncSession,
    *,
    units: Sequence[str],
    official: dict[str, Any],
    citizen: dict[str, Any] | None,
) -> int:
    """On PostgreSQL, in one statement: a notice to each contact registered for `units` (what
    `service.official_notices` makes of `unit_contacts`'s rows: the contact's channel, address
    and language, the unit in the context) and the citizen's row if any, each unless its
    dedupe key was queued already; how many were. `official` holds the officials' case_id,
    template, context, cause and now. Where a look-up of the contacts and an insert took one
    round trip each (and the contacts were loaded as objects), one does."""
    params = {
        "units": [u for u in dict.fromkeys(units) if u],
        "o_case_id": official["case_id"],
        "o_template": official["template"],
        "o_context": official["context"],
        "o_cause": official["cause"],
        "o_now": official["now"],
        "with_citizen": citizen is not None,
        **{f"c_{k}": (citizen or {}).get(k) for k in _QUEUED},
    }
    return len((await session.execute(_add_step_notices(), params)).all())


@functools.cache
def _add_step_notices() -> Executable:
    """PostgreSQL's only (gen_random_uuid, jsonb, ANY of an array): built once."""
    contacts = cast(Table, UnitContact.__table__)
    now = sa_cast(bindparam("o_now", type_=_NOTICES.c.created_at.type), _NOTICES.c.created_at.type)
    officials = select(
        func.gen_random_uuid(),
        func.left(
            sa_cast(bindparam("o_cause", type_=String), String)
            .concat("|official|")
            .concat(contacts.c.channel)
            .concat("|")
            .concat(contacts.c.address),
            300,
        ),
        sa_cast(bindparam("o_case_id", type_=Uuid), Uuid),
        literal_column("'official'"),
        contacts.c.channel,
        contacts.c.address,
        sa_cast(bindparam("o_template", type_=String), String),
        contacts.c.language,
        # The context with the contact's unit: the same object as official_notices's dict
        # (jsonb's `||` orders its keys its own way; they are read back as a dict).
        sa_cast(
            sa_cast(bindparam("o_context", type_=JSONB), JSONB).op("||")(
                func.jsonb_build_object("recipient_unit", contacts.c.unit_code)
            ),
            JSON,
        ),
        literal_column(f"'{PENDING}'"),
        literal_column("0"),
        now,
        now,
    ).where(contacts.c.unit_code == any_(bindparam("units", type_=ARRAY(String))))
    citizen = select(
        *(
            sa_cast(bindparam(f"c_{name}", type_=_NOTICES.c[name].type), _NOTICES.c[name].type)
            for name in _QUEUED
        )
    ).where(bindparam("with_citizen", type_=Boolean))
    return (
        postgresql.insert(_NOTICES)
        .from_select(list(_QUEUED), union_all(officials, citizen))
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(_NOTICES.c.id)
    )


async def delivery_log(
    session: AsyncSession, case_id: uuid.UUID, *, citizen: bool, limit: int
) -> list[Notification]:
    """A case's notices, oldest first; `citizen` False: those to the citizen left out."""
    query = select(Notification).where(Notification.case_id == case_id)
    if not citizen:
        query = query.where(Notification.audience != "citizen")
    query = query.order_by(Notification.created_at, Notification.id).limit(limit)
    return list((await session.execute(query)).scalars())


# Asked on every case routed or transferred: built once, the codes bound as one list.
_CONTACTS = select(UnitContact).where(UnitContact.unit_code.in_(bindparam("codes", expanding=True)))


async def unit_contacts(session: AsyncSession, units: Iterable[str]) -> list[UnitContact]:
    codes = [u for u in dict.fromkeys(units) if u]
    if not codes:
        return []
    return list((await session.execute(_CONTACTS, {"codes": codes})).scalars())


async def replace_unit_contacts(
    session: AsyncSession, unit_code: str, contacts: Iterable[UnitContact]
) -> None:
    await session.execute(delete(UnitContact).where(UnitContact.unit_code == unit_code))
    session.add_all(contacts)


async def claim_due(
    session: AsyncSession, *, now: datetime, owner: str, lease_until: datetime, limit: int
) -> list[Notification]:
    """Up to `limit` pending notices due by `now` that nobody holds (or whose holder's lease
    ran out), soonest first, claimed for `owner` until `lease_until`; others' locks skipped.
    Returned as claimed, so that delivering them reads nothing more."""
    ids = list(
        (
            await session.execute(
                select(Notification.id)
                .where(
                    Notification.state == PENDING,
                    Notification.next_attempt_at <= now,
                    or_(Notification.lease_until.is_(None), Notification.lease_until < now),
                )
                .order_by(Notification.next_attempt_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    if not ids:
        return []
    claimed = await session.scalars(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(claimed_by=owner, lease_until=lease_until)
        .returning(Notification)
    )
    return sorted(claimed, key=lambda notice: notice.next_attempt_at)


@dataclass
class Outcome:
    """What a delivery attempt leaves on its notice (notices/delivery.py decides it)."""

    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None


# Every delivery's outcome, built once; only the lease's holder may write it.
_RECORD = (
    update(_NOTICES)
    .where(
        _NOTICES.c.id == bindparam("notice_id"),
        _NOTICES.c.state == PENDING,
        _NOTICES.c.claimed_by == bindparam("owner"),
    )
    .values(
        {
            **{f.name: bindparam(f.name, type_=_NOTICES.c[f.name].type) for f in fields(Outcome)},
            "claimed_by": None,
            "lease_until": None,
        }
    )
)


async def record_outcome(
    session: AsyncSession, notice_id: uuid.UUID, owner: str, outcome: Outcome
) -> bool:
    """Write `outcome` and release the lease, if `owner` still holds the pending notice (in
    one statement: the update's row lock does what a locking read did); False if not."""
    result = await session.execute(
        _RECORD, {"notice_id": notice_id, "owner": owner, **asdict(outcome)}
    )
    return cast(CursorResult[Any], result).rowcount == 1


async def record_announced(
    session: AsyncSession,
    notice_id: uuid.UUID,
    owner: str,
    outcome: Outcome,
    outbox: Outbox,
    event: Envelope,
) -> bool:
    """`record_outcome`, and if it wrote, the outcome's event into the outbox: on PostgreSQL
    in one statement (the update in a CTE, whose returned row the outbox's insert selects:
    no row, no event), where two took one round trip each; SQLite, an update and an insert.
    False if `owner` no longer holds the notice, and then nothing is written."""
    if dialect_of(session) != "postgresql":
        if not await record_outcome(session, notice_id, owner, outcome):
            return False
        await outbox.add(session, event)
        return True
    row = outbox.row(event, datetime.now(UTC))
    result = await session.execute(
        _record_announced(outbox.table, tuple(sorted(row))),
        {
            "notice_id": notice_id,
            "owner": owner,
            **asdict(outcome),
            **named_values({"event": row}),
        },
    )
    if result.first() is None:
        return False
    outbox.added(session)
    return True


@functools.cache
def _record_announced(outbox: Table, event: tuple[str, ...]) -> Executable:
    """`_RECORD` feeding the event's insert, built once; its row's parameters named event_*."""
    recorded = _RECORD.returning(_NOTICES.c.id).cte("recorded")
    row = row_params(outbox, "event", event)
    chosen = select(*row.values()).select_from(recorded)
    return (
        insert(outbox).from_select(list(row), chosen).add_cte(recorded).returning(outbox.c.event_id)
    )
