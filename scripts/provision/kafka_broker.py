"""Kafka: is the broker answering (scripts/kafka.sh start, status, and a pre-set one), and
a cluster id for formatting its storage."""

from __future__ import annotations

import asyncio
import base64
import logging
import uuid

from waiting import until_answered


def probe(bootstrap: str, timeout: float, pid: int | None = None) -> int:
    """A real client fetches the cluster's metadata and finds the group coordinator."""
    logging.disable(logging.CRITICAL)  # aiokafka logs every refused connection
    from aiokafka.admin import AIOKafkaAdminClient

    async def once() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await asyncio.wait_for(admin.start(), 10)
            cluster = await asyncio.wait_for(admin.describe_cluster(), 10)
            if not cluster.get("brokers"):
                raise RuntimeError("no broker registered yet")
            # Also wait for the group coordinator: the first lookup creates
            # __consumer_offsets, so consumer groups work as soon as we return.
            await asyncio.wait_for(admin.find_coordinator("tiepdan-readiness-probe"), 10)
        finally:
            await admin.close()

    return asyncio.run(
        until_answered(
            once,
            timeout=timeout,
            pid=pid,
            owner="broker process",
            failure=lambda last: f"no metadata from {bootstrap} after {timeout:.0f}s: {last!r}",
        )
    )


def cluster_id() -> str:
    """What `kafka-storage.sh random-uuid` prints (a Kafka Uuid: 16 random bytes, base64url
    without padding, never starting with '-'), without starting a JVM for it."""
    while True:
        found = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not found.startswith("-"):
            return found
