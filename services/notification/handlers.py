"""Notification's one handler table: each event's clocks, then the notices they imply, in the
consumer's transaction.

Notification had two consumer groups over the case events, `notification.deadlines` (the
law's clocks) and `notification.notices` (officials' and citizens' notices). Both wrote the
same tracked case, each paid its own transactions, and each recorded the events it handled
under its own name in `processed_events`. One group, `notification.cases`, now does both
parts of an event, clocks first.

Exactly once per part, across the switch from the two groups to the one:

- Each part keeps its record under the old group's name (`PARTS`), claimed in the transaction
  that does the part with `INSERT … ON CONFLICT DO NOTHING`. A part already recorded, by an
  old group before the switch or by this group on a redelivery, is skipped; a part that was
  not is done. A claim, unlike a look-up, waits for an old replica that is handling the same
  event during a rolling update, and then finds its row (or takes the part if it rolled back).
- The group starts, on each partition it has not committed yet, at the lowest offset the two
  old groups committed there (`TAKES_OVER`, shared.bus.base.Bus.subscribe), so that the events
  one old group had handled and the other had not are read again, and only the missing part
  is done. Offsets are the groups' own, on either bus: the embedded log's `group_offsets`,
  Kafka's committed offsets.

The consumer also records the event under its own group's name (shared.messaging.consumer):
that record keeps the batch's bookkeeping, the parts' records keep each part once. So the
records of an event are the same two as before the switch, plus the group's.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.database import messaging
from services.notification.deadlines.handlers import make_handlers as make_clock_handlers
from services.notification.deadlines.recommendations import make_recommendation_handlers
from services.notification.deadlines.service import Clocks
from services.notification.notices.handlers import make_notice_handlers
from shared.events import Envelope
from shared.messaging.consumer import Handler

GROUP = "notification.cases"
CLOCKS, NOTICES = "notification.deadlines", "notification.notices"
TAKES_OVER = (CLOCKS, NOTICES)  # the groups GROUP replaced, each now the record of one part


def make_handlers(clocks: Clocks, *, dialect: str, prefix: str = "") -> dict[str, Handler]:
    """{event type -> handler doing its parts in order, each unless already recorded}.

    `prefix` is the deployment's group prefix (settings.kafka_group_prefix): the old groups'
    records carry it, as the groups did."""
    parts: list[tuple[str, Mapping[str, Handler]]] = [
        (prefix + CLOCKS, make_clock_handlers(clocks) | make_recommendation_handlers(clocks)),
        (prefix + NOTICES, make_notice_handlers(clocks)),
    ]
    claim = _claim_statement(messaging.processed, dialect)
    now = clocks.now

    def handler_for(event_type: str) -> Handler:
        mine = [(name, table[event_type]) for name, table in parts if event_type in table]

        async def handle(session: AsyncSession, event: Envelope) -> None:
            rows = [
                {"consumer": name, "event_id": event.id, "processed_at": now()} for name, _ in mine
            ]
            todo = set((await session.execute(claim, rows)).scalars())
            first = True
            for name, part in mine:
                if name not in todo:
                    continue  # done before: by an old group, or by this one on a redelivery
                if not first:
                    # Each part reads what it needs afresh, as it did in a transaction of its
                    # own (a Core UPDATE by the one before is not in the ORM's copies).
                    await session.flush()
                    session.expunge_all()
                first = False
                await part(session, event)

        return handle

    types = {event_type for _, table in parts for event_type in table}
    return {event_type: handler_for(event_type) for event_type in sorted(types)}


def _claim_statement(processed: Table, dialect: str) -> Insert:
    """Built once: the parts' records, returning the names not recorded before."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(processed).on_conflict_do_nothing().returning(processed.c.consumer)
