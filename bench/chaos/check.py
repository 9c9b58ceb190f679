"""What the chaos run checks after the faults: every accepted case exactly once, everywhere.

Read straight from the three services' databases and the broker, as an auditor would:
- lost: a submission answered 201 whose case is not in intake;
- doubled: one logical submission (its marker) stored as more than one case;
- stuck: a case not routed, without its legal deadline, or not current in intake's view;
- half-written: a case without its submitter, its timeline or its case.submitted event;
- outboxes not empty, consumer groups behind the topic's end, anything dead-lettered.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

MARKER = re.compile(r"\[chaos:([0-9a-f]{32})\]")
GROUPS = ("intake.read-model", "routing.cases", "notification.cases")

DONE_SQL = """
SELECT count(*) FROM cases c
WHERE c.id = ANY($1::uuid[]) AND c.status = 'routed'
  AND EXISTS (SELECT 1 FROM case_deadlines d WHERE d.case_id = c.id)
"""


@dataclass
class Verdict:
    accepted: int = 0
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    half_written: list[str] = field(default_factory=list)
    orphans: int = 0  # cases of submissions whose client gave up (complete, merely unknown)
    unpublished: dict[str, int] = field(default_factory=dict)
    lag: dict[str, int] = field(default_factory=dict)
    dead_lettered: int = 0

    @property
    def clean(self) -> bool:
        return not (
            self.lost
            or self.doubled
            or self.stuck
            or self.half_written
            or any(self.unpublished.values())
            or any(self.lag.values())
            or self.dead_lettered
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "lost": len(self.lost),
            "doubled": len(self.doubled),
            "stuck": len(self.stuck),
            "half_written": len(self.half_written),
            "orphans": self.orphans,
            "unpublished": self.unpublished,
            "consumer_lag": self.lag,
            "dead_lettered": self.dead_lettered,
            "examples": {
                "lost": self.lost[:5],
                "doubled": self.doubled[:5],
                "stuck": self.stuck[:5],
                "half_written": self.half_written[:5],
            },
        }


async def routed_count(intake_url: str, case_ids: list[uuid.UUID]) -> int:
    """How many of these cases intake shows routed with a deadline (the citizen's view)."""
    conn = await asyncpg.connect(intake_url, timeout=5)
    try:
        return int(await conn.fetchval(DONE_SQL, case_ids))
    finally:
        await conn.close()


async def verify(
    urls: dict[str, str],
    bootstrap: str,
    topic: str,
    group_prefix: str,
    accepted: dict[str, uuid.UUID],
) -> Verdict:
    """`accepted`: marker -> case id, for every submission a client was answered 201/200."""
    verdict = Verdict(accepted=len(accepted))
    intake = await asyncpg.connect(urls["intake"])
    routing = await asyncpg.connect(urls["routing"])
    notification = await asyncpg.connect(urls["notification"])
    try:
        by_marker: dict[str, list[uuid.UUID]] = {}
        for row in await intake.fetch("SELECT id, description FROM cases"):
            found = MARKER.search(row["description"])
            if found:
                by_marker.setdefault(found.group(1), []).append(row["id"])
        verdict.doubled = [m for m, ids in by_marker.items() if len(ids) > 1]
        verdict.lost = [m for m in accepted if m not in by_marker]
        verdict.orphans = sum(1 for m in by_marker if m not in accepted)
        ids = [i for found in by_marker.values() for i in found]
        complete = {
            r["id"]
            for r in await intake.fetch(
                """SELECT c.id FROM cases c
                   WHERE c.id = ANY($1::uuid[])
                     AND EXISTS (SELECT 1 FROM submitters s WHERE s.case_id = c.id)
                     AND EXISTS (SELECT 1 FROM case_timeline t WHERE t.case_id = c.id)
                     AND EXISTS (SELECT 1 FROM outbox o WHERE o.key = c.id::text
                                 AND o.event_type = 'case.submitted')""",
                ids,
            )
        }
        verdict.half_written = [str(i) for i in ids if i not in complete]
        current = {
            r["id"]
            for r in await intake.fetch(
                """SELECT c.id FROM cases c WHERE c.id = ANY($1::uuid[]) AND c.status = 'routed'
                   AND EXISTS (SELECT 1 FROM case_deadlines d WHERE d.case_id = c.id)""",
                ids,
            )
        }
        routed_once = {
            r["case_id"]
            for r in await routing.fetch(
                """SELECT case_id FROM case_history WHERE step = 'routed'
                   AND case_id = ANY($1::uuid[]) GROUP BY case_id HAVING count(*) = 1""",
                ids,
            )
        }
        with_deadline = {
            r["case_id"]
            for r in await notification.fetch(
                "SELECT DISTINCT case_id FROM deadlines WHERE case_id = ANY($1::uuid[])", ids
            )
        }
        verdict.stuck = [
            str(i) for i in ids if not (i in current and i in routed_once and i in with_deadline)
        ]
        for name, conn in (
            ("intake", intake),
            ("routing", routing),
            ("notification", notification),
        ):
            verdict.unpublished[name] = int(
                await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            )
    finally:
        for conn in (intake, routing, notification):
            await conn.close()
    verdict.lag, verdict.dead_lettered = await _broker_state(bootstrap, topic, group_prefix)
    return verdict


async def _broker_state(bootstrap: str, topic: str, prefix: str) -> tuple[dict[str, int], int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        await consumer._client.force_metadata_update()
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        dlq = [
            TopicPartition(f"{topic}.dlq", p)
            for p in consumer.partitions_for_topic(f"{topic}.dlq") or ()
        ]
        ends = await consumer.end_offsets(parts + dlq)
        lag: dict[str, int] = {}
        for group in GROUPS:
            committed = await admin.list_consumer_group_offsets(prefix + group)
            lag[group] = sum(
                ends[tp] - (committed[tp].offset if tp in committed else 0) for tp in parts
            )
        return lag, sum(ends[tp] for tp in dlq)
    finally:
        await consumer.stop()
        await admin.close()
