"""Where the submitted cases are: counted in each service's own database, stage by stage."""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

# Each stage is one query on the database of the service that owns it (read-only, cheap).
STAGES: dict[str, tuple[str, str]] = {
    "submitted": ("intake", "SELECT count(*) FROM cases"),
    "published": ("intake", "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL"),
    "routed": ("routing", "SELECT count(*) FROM cases"),
    "deadline_set": ("notification", "SELECT count(DISTINCT case_id) FROM deadlines"),
    "back_in_intake": (
        "intake",
        "SELECT count(*) FROM cases c WHERE c.status = 'routed' "
        "AND EXISTS (SELECT 1 FROM case_deadlines d WHERE d.case_id = c.id)",
    ),
    # Messages, not cases: the citizens' notices the SMS gateway accepted (0 without one).
    "sms_sent": (
        "notification",
        "SELECT count(*) FROM notifications WHERE channel = 'sms' AND state = 'sent'",
    ),
}
# The citizens' SMS notices by state, and the cases whose citizen is told by SMS.
SMS_SQL = """
SELECT (SELECT count(*) FROM tracked_cases WHERE contact_channel = 'sms') AS cases,
       count(*) AS queued,
       count(*) FILTER (WHERE state = 'pending') AS pending,
       count(*) FILTER (WHERE state = 'sent') AS sent,
       count(*) FILTER (WHERE state = 'dead') AS dead
FROM notifications WHERE channel = 'sms' AND audience = 'citizen'
"""
E2E_SQL = """
SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY
         extract(epoch FROM d.updated_by_event_at - c.submitted_at)) AS q,
       max(extract(epoch FROM d.updated_by_event_at - c.submitted_at)) AS worst
FROM cases c JOIN case_deadlines d ON d.case_id = c.id
"""


@dataclass(frozen=True)
class Snapshot:
    at: float
    counts: dict[str, int | None]  # None: the query failed (a schema that moved on)

    @property
    def done(self) -> int:
        return self.counts["back_in_intake"] or 0

    @property
    def total(self) -> int:
        return self.counts["submitted"] or 0

    def line(self) -> str:
        shown = {k.replace("_", " "): "?" if v is None else v for k, v in self.counts.items()}
        return " → ".join(f"{k} {v}" for k, v in shown.items())


@dataclass(frozen=True)
class SmsCount:
    """Where the citizens' SMS are, in notification's database."""

    cases: int  # whose citizen is told by SMS
    queued: int
    pending: int  # due or waiting for a retry
    sent: int
    dead: int

    def settled(self, expected: int) -> bool:
        """Every SMS expected was queued and none is left to send (sent, or given up)."""
        return self.queued >= expected and self.pending == 0


class Pipeline:
    def __init__(self, connections: dict[str, asyncpg.Connection]) -> None:
        self.connections = connections
        self.snapshots: list[Snapshot] = []

    @classmethod
    async def connect(cls, urls: dict[str, str]) -> Pipeline:
        return cls({name: await asyncpg.connect(url) for name, url in urls.items()})

    async def close(self) -> None:
        for conn in self.connections.values():
            await conn.close()

    async def snapshot(self) -> Snapshot:
        counts: dict[str, int | None] = {}
        for stage, (service, sql) in STAGES.items():
            try:
                counts[stage] = int(await self.connections[service].fetchval(sql))
            except asyncpg.PostgresError:
                counts[stage] = None
        snap = Snapshot(time.time(), counts)
        self.snapshots.append(snap)
        return snap

    def nearest(self, at: float) -> Snapshot:
        return min(self.snapshots, key=lambda s: abs(s.at - at))

    def rates(self, start: float, end: float) -> dict[str, float]:
        """Per-stage throughput (cases/s) between the snapshots nearest to start and end."""
        first, last = self.nearest(start), self.nearest(end)
        span = max(last.at - first.at, 1e-9)
        return {
            k: ((last.counts[k] or 0) - (first.counts[k] or 0)) / span
            for k in STAGES
            if last.counts[k] is not None
        }

    async def latency(self) -> dict[str, float]:
        row = await self.connections["intake"].fetchrow(E2E_SQL)
        q = list(row["q"] or [0.0, 0.0, 0.0])
        return {"p50": q[0], "p95": q[1], "p99": q[2], "max": float(row["worst"] or 0)}

    async def sms(self) -> SmsCount:
        row = await self.connections["notification"].fetchrow(SMS_SQL)
        return SmsCount(**{k: int(v) for k, v in row.items()})

    async def payload_bytes(self) -> float:
        sql = "SELECT avg(octet_length(payload)) FROM outbox WHERE event_type = 'case.submitted'"
        return float(await self.connections["intake"].fetchval(sql) or 0)

    def as_json(self) -> list[dict[str, Any]]:
        return [asdict(s) for s in self.snapshots]


# The services' own timings, from their /metrics: how long a consumer's handler took per
# event (transaction included), and how long intake took per POST as the server saw it.
METRIC = re.compile(
    r"^tiepdan_(event_handler_duration_seconds|http_request_duration_seconds)_(sum|count)"
    r"\{([^}]*)\} ([0-9.eE+-]+)$",
    re.MULTILINE,
)
Scrape = dict[str, dict[str, float]]


async def scrape(urls: dict[str, str]) -> Scrape:
    """{'routing consumer routing': {'sum': s, 'count': n}, 'intake POST /v1/cases': ...}."""
    found: dict[str, dict[str, float]] = {}
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        for service, url in urls.items():
            try:
                text = (await client.get(f"{url}/metrics")).text
            except httpx.HTTPError:
                continue
            for name, part, labels, value in METRIC.findall(text):
                pairs = dict(re.findall(r'(\w+)="([^"]*)"', labels))
                if name.startswith("http") and pairs.get("method") != "POST":
                    continue
                what = pairs.get("consumer") or f"{pairs.get('method')} {pairs.get('route')}"
                found.setdefault(f"{service}: {what}", {})[part] = float(value)
    return found


def mean_ms(before: Scrape, after: Scrape) -> dict[str, Any]:
    """Per timing: how many happened between two scrapes, and their mean in ms."""
    out: dict[str, Any] = {}
    for key, now in after.items():
        then = before.get(key, {})
        count = now.get("count", 0) - then.get("count", 0)
        total = now.get("sum", 0) - then.get("sum", 0)
        mean = round(1000 * total / count, 2) if count else None
        out[key] = {"count": int(count), "mean_ms": mean}
    return out
