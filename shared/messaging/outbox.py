"""Writing events: into the outbox, in the caller's transaction, never straight to the bus."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import Envelope

WAKE_RELAY = "tiepdan.outbox.wake"


class Outbox:
    def __init__(self, table: Table, topic: str) -> None:
        self.table = table
        self.topic = topic
        self._insert = insert(table)  # built once: building it is most of a small add's CPU

    async def add(self, session: AsyncSession, *events: Envelope) -> None:
        """Queue events for publication; they leave only if this transaction commits."""
        if not events:
            return
        now = datetime.now(UTC)
        await session.execute(self._insert, [self.row(e, now) for e in events])
        self.added(session)

    def row(self, event: Envelope, now: datetime) -> dict[str, Any]:
        """The event's outbox row: for a caller that writes it in a statement of its own
        (intake's filed case, with the case's rows), then calls `added`."""
        return {
            "event_id": event.id,
            "event_type": event.type,
            "topic": self.topic,
            "key": str(event.case_id),
            "payload": event.to_bytes(),
            "created_at": now,
        }

    def added(self, session: AsyncSession) -> None:
        """An event row was written in this transaction: the relay is woken when it commits."""
        session.info[WAKE_RELAY] = True
