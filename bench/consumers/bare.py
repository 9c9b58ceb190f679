"""The yardstick: the least a correct consumer of these events does. aiokafka with the
services' consumer settings (shared/bus/kafka.py: manual commit, read_committed), the services'
batch size, and per fetch: parse each record's JSON, one multi-row INSERT in one transaction,
COMMIT, then commit the offsets. No ORM, no pydantic, no handlers, no outbox."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.common.cpu import cpu_seconds
from shared.messaging.consumer import ConsumerConfig

# What the services fetch at once (shared.messaging.consumer), so both see the same batches.
BATCH = ConsumerConfig.__dataclass_fields__["batch_size"].default

TABLE = """
CREATE TABLE IF NOT EXISTS bare_events (
    event_id uuid PRIMARY KEY,       -- what makes a redelivery harmless, as processed_events
    case_id uuid NOT NULL,
    type text NOT NULL,
    tracking_code text NOT NULL,
    unit_code text,
    at timestamptz NOT NULL
)
"""
INSERT = """
INSERT INTO bare_events (event_id, case_id, type, tracking_code, unit_code, at)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                     $6::timestamptz[])
ON CONFLICT (event_id) DO NOTHING
"""


def _row(value: bytes | None) -> tuple[Any, ...]:
    event = json.loads(value or b"{}")
    data = event["data"]
    unit = data.get("unit_code") or (data.get("location") or {}).get("unit_code")
    return (
        uuid.UUID(event["id"]), uuid.UUID(event["case_id"]), event["type"],
        data["tracking_code"], unit, datetime.fromisoformat(event["time"]),
    )  # fmt: skip


async def bare_loop(
    bootstrap: str, topic: str, group: str, dsn: str, count: int, *,
    timeout_s: float, progress: Callable[[int], None],
) -> dict[str, Any]:  # fmt: skip
    """Consume `count` records of `topic` as `group`; timed from the first record received
    (the consumer's start-up and the group's join are left out, as for the services)."""
    conn = await asyncpg.connect(dsn)
    await conn.execute(TABLE)
    backend = int(await conn.fetchval("SELECT pg_backend_pid()"))
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest", isolation_level="read_committed",
        max_poll_interval_ms=300_000, session_timeout_ms=6_000, heartbeat_interval_ms=2_000,
    )  # fmt: skip
    done, batches, first = 0, 0, 0.0
    cpu0: tuple[float, float] = (0.0, 0.0)
    began = time.monotonic()
    try:
        await consumer.start()
        insert = await conn.prepare(INSERT)
        while done < count and time.monotonic() - began < timeout_s:
            fetched = await consumer.getmany(timeout_ms=1000, max_records=BATCH)
            records = [r for rs in fetched.values() for r in rs]
            if not records:
                continue
            if not first:
                first = time.monotonic()
                cpu0 = (time.process_time(), cpu_seconds(backend) or 0.0)
            rows = [_row(r.value) for r in records]
            async with conn.transaction():
                await insert.fetch(*(list(column) for column in zip(*rows, strict=True)))
            await consumer.commit(
                {TopicPartition(tp.topic, tp.partition): rs[-1].offset + 1
                 for tp, rs in fetched.items() if rs}
            )  # fmt: skip
            done += len(records)
            batches += 1
            progress(done)
        end = time.monotonic()
        client_cpu = time.process_time() - cpu0[0]
        pg_cpu = (cpu_seconds(backend) or cpu0[1]) - cpu0[1]
        stored = int(await conn.fetchval("SELECT count(*) FROM bare_events"))
    finally:
        await consumer.stop()
        await conn.close()
    seconds = end - first if first else 0.0
    return {
        "events": done,
        "stored": stored,
        "complete": done >= count,
        "batches": batches,
        "seconds": seconds,
        "from_start_s": end - began,
        "process_cpu_s": client_cpu,
        "postgres_cpu_s": pg_cpu,
    }
