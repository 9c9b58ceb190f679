"""Putting dead-lettered events back on their topic, for an operator who has fixed the cause.

Every event a consumer parks carries its error, the consumer and where it came from
(`error`, `consumer`, `original` headers, see consumer.py). Replaying publishes it again,
unchanged (same key, so the case's partition; same event id), to the topic it came from:
the consumers that handled it already skip it (their processed-events record), the one
that failed handles it now. The replay's own consumer group remembers how far it got, so a
second replay does not repeat the first; a dry run commits nothing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from shared.bus.base import Bus, IncomingRecord, OutgoingRecord
from shared.events import Envelope

REPLAY_GROUP = "tiepdan.dlq-replay"
ASSIGN_WITHIN = 60.0
PARKING_HEADERS = frozenset({"error", "consumer", "original"})
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*: \S")


@dataclass(frozen=True)
class Parked:
    record: IncomingRecord
    topic: str  # where it came from, where it goes back
    consumer: str
    error: str  # the last line of the error: what an operator reads first
    event_id: str
    event_type: str
    case_id: str


def describe(record: IncomingRecord, default_topic: str) -> Parked:
    headers = {k: v.decode("utf-8", "replace") for k, v in record.headers}
    original = headers.get("original", "")
    topic = original.rsplit("/", 2)[0] if original.count("/") >= 2 else default_topic
    error = _last_exception(headers.get("error", ""))
    try:
        envelope = Envelope.from_bytes(record.value)
        event_id, event_type, case_id = str(envelope.id), envelope.type, str(envelope.case_id)
    except ValidationError:
        event_id, event_type, case_id = "?", "undecodable", "?"
    return Parked(
        record=record,
        topic=topic,
        consumer=headers.get("consumer", "?"),
        error=error,
        event_id=event_id,
        event_type=event_type,
        case_id=case_id,
    )


async def replay(
    bus: Bus,
    *,
    dead_letter_topic: str,
    default_topic: str,
    dry_run: bool,
    seen: Callable[[Parked], None],
    group: str = REPLAY_GROUP,
    idle_seconds: float = 5.0,
    batch: int = 200,
) -> list[Parked]:
    """Republish every parked event not yet replayed; stop when a fetch of `idle_seconds`
    brings nothing and the group has read its partitions to their end (at most ASSIGN_WITHIN
    for that: on a busy broker the group join and the first fetch can take longer)."""
    subscription = await bus.subscribe(group, [dead_letter_topic])
    done: list[Parked] = []
    give_up = time.monotonic() + ASSIGN_WITHIN
    try:
        while True:
            records = await subscription.fetch(timeout=idle_seconds, max_records=batch)
            if not records:
                if await subscription.caught_up() or time.monotonic() > give_up:
                    break
                continue
            parked = [describe(r, default_topic) for r in records]
            if not dry_run:
                await bus.publish(
                    [
                        OutgoingRecord(
                            p.topic,
                            p.record.key or "",
                            p.record.value,
                            tuple(h for h in p.record.headers if h[0] not in PARKING_HEADERS),
                        )
                        for p in parked
                    ]
                )
                ends: dict[tuple[str, int], int] = {}
                for r in records:
                    ends[r.position] = max(ends.get(r.position, 0), r.offset + 1)
                await subscription.commit(ends)
            for p in parked:
                seen(p)
            done += parked
    finally:
        await subscription.close()
    return done


def _last_exception(trace: str) -> str:
    """The last exception's message ("module.Class: message" and its continuation lines),
    without SQLAlchemy's [SQL: ...] and (Background ...) trailers: what an operator reads."""
    lines = trace.splitlines()
    starts = [i for i, line in enumerate(lines) if _EXCEPTION_LINE.match(line)]
    if not starts:
        return next((line for line in reversed(lines) if line.strip()), "")
    message: list[str] = []
    for line in lines[starts[-1] :]:
        if line.startswith(("[SQL:", "[parameters:", "(Background on this error")):
            break
        message.append(line.strip())
    return " ".join(message)[:500]
