"""Benchmark 3: how fast routing's consumer turns case.submitted into routed cases (and
publishes case.routed), against a plain aiokafka consumer doing one INSERT per record."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.common.cpu import cpu_seconds
from bench.common.payloads import SENTENCES, TITLES
from shared.bus.base import OutgoingRecord
from shared.events import CASE_SUBMITTED, CaseSubmitted, new_event
from shared.events.cases import Location
from shared.geography import AdminMap, Level

KINDS = ("feedback", "petition", "complaint")


def envelopes(count: int, topic: str) -> list[OutgoingRecord]:
    """`count` case.submitted envelopes as intake's relay would publish them (keyed by case)."""
    rng = random.Random(20)
    admin = AdminMap.load()
    communes = [u for u in admin.units.values() if u.level is Level.commune]
    provinces = {u.code: u.name for u in admin.units.values() if u.level is Level.province}
    start = datetime.now(UTC) - timedelta(minutes=30)
    records = []
    for i in range(count):
        place = rng.choice(communes)
        kind = KINDS[i % 3]
        fill = {"commune": place.name, "province": provinces[place.parent_code or ""]}
        description = " ".join(
            s.format(n=rng.randint(2, 40), m=rng.randint(100, 900), d=rng.randint(1, 28),
                     mo=rng.randint(1, 10), **fill)
            for s in rng.sample(SENTENCES, 4)
        )  # fmt: skip
        case_id = uuid.uuid4()
        event = new_event(
            CASE_SUBMITTED,
            source="intake",
            case_id=case_id,
            data=CaseSubmitted(
                tracking_code=f"B{i:011d}",
                kind=kind,
                title=rng.choice(TITLES[kind]).format(**fill),
                description=description,
                location=Location(unit_code=place.code, address="Số 12 đường Lê Lợi"),
                channel="web",
                submitted_at=start + timedelta(milliseconds=i),
                anonymous=False,
                contact_ref=f"contact-{i}",
            ),
        )
        records.append(
            OutgoingRecord(topic, str(case_id), event.to_bytes(), (("type", b"case.submitted"),))
        )
    return records


FLOOR_INSERT = """
INSERT INTO cases (id, tracking_code, kind, title, description, location_unit_code, unit_code,
    first_unit_code, province_code, status, received_at, rule, reason, publish_consent, version)
VALUES ($1, $2, $3, $4, $5, $6, $6, $6, $7, 'routed', $8, 'location', 'floor', false, 1)
"""


async def floor_consumer(
    bootstrap: str, topic: str, group: str, dsn: str, count: int, *, timeout_s: float
) -> dict[str, Any]:
    """Read `count` records; per record one INSERT in its own transaction; commit per batch."""
    conn = await asyncpg.connect(dsn)
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest", isolation_level="read_committed",
    )  # fmt: skip
    done, first, began_cpu = 0, 0.0, time.process_time()
    deadline = time.monotonic() + timeout_s
    try:
        await consumer.start()
        insert = await conn.prepare(FLOOR_INSERT)
        while done < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=1000, max_records=100)
            for records in batches.values():
                for record in records:
                    if not first:
                        first = time.monotonic()
                    event = json.loads(record.value or b"{}")
                    data = event["data"]
                    unit = data["location"]["unit_code"]
                    async with conn.transaction():
                        await insert.fetch(
                            uuid.UUID(event["case_id"]), data["tracking_code"], data["kind"],
                            data["title"], data["description"], unit, unit[:2],
                            datetime.fromisoformat(data["submitted_at"]),
                        )  # fmt: skip
                    done += 1
            if batches:
                await consumer.commit(
                    {TopicPartition(tp.topic, tp.partition): rs[-1].offset + 1
                     for tp, rs in batches.items() if rs}
                )  # fmt: skip
        elapsed = time.monotonic() - first if first else 0.0
    finally:
        await consumer.stop()
        await conn.close()
    return {
        "events": done,
        "complete": done >= count,
        "seconds": elapsed,
        "events_per_s": done / elapsed if elapsed else 0.0,
        "client_cpu_ms_per_event": 1000 * (time.process_time() - began_cpu) / max(done, 1),
    }


async def watch_routing(
    conn: asyncpg.Connection, pid: int, count: int, *, started: float, timeout_s: float
) -> dict[str, Any]:
    """Poll (every 0.5 s, at most `timeout_s`) until `count` cases are routed and published."""
    cpu_start = cpu_seconds(pid) or 0.0
    began = time.monotonic()
    progress: list[tuple[float, int, int]] = []
    cases = published = 0
    at_start: int | None = None
    while time.monotonic() - began < timeout_s:
        cases = int(await conn.fetchval("SELECT count(*) FROM cases"))
        published = int(
            await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL")
        )
        progress.append((round(time.monotonic() - started, 2), cases, published))
        at_start = cases if at_start is None else at_start
        if cases >= count and published >= count:
            break
        await asyncio.sleep(0.5)
    wall = time.monotonic() - started
    cpu = (cpu_seconds(pid) or cpu_start) - cpu_start
    window = await conn.fetchrow(
        "SELECT (SELECT min(at) FROM case_history) AS first_routed,"
        " (SELECT max(published_at) FROM outbox) AS last_published"
    )
    first, last = window["first_routed"], window["last_published"]
    inside = (last - first).total_seconds() if first and last else 0.0
    return {
        "events": count,
        "cases": cases,
        "published": published,
        "complete": cases >= count and published >= count,
        "wall_from_start_s": wall,
        "window_s": inside,  # first case routed -> last case.routed published
        "events_per_s": cases / inside if inside else 0.0,
        "events_per_s_from_start": cases / wall if wall else 0.0,
        "service_cpu_s": cpu,
        # CPU from readiness on, over the cases routed from then on
        "cpu_ms_per_event": 1000 * cpu / max(cases - (at_start or 0), 1),
        "progress": progress,
    }
