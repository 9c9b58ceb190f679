"""SIGTERM, as Kubernetes sends before every rollout: the service stops taking requests,
finishes what it holds, commits its consumers' offsets, and exits 0.

The three services as real `tiepdan serve` processes in production mode. After the stop,
every consumer group's committed offsets are at the end of the topic: a restarted replica
handles nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from services.catalog import SERVICES
from shared.migrations import upgrade
from shared.settings import Settings
from tests.support.stack import ALL, production_settings, wait_until

pytestmark = pytest.mark.integration
TIEPDAN = str(Path(sys.executable).parent / "tiepdan")
GROUPS = ("intake.read-model", "routing.cases", "notification.cases")


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIEPDAN_")}
    env.update(
        TIEPDAN_ENV="production",
        TIEPDAN_BUS="kafka",
        TIEPDAN_DATABASE_URL=str(settings.database_url),
        TIEPDAN_KAFKA_BOOTSTRAP_SERVERS=settings.kafka_bootstrap_servers,
        TIEPDAN_KAFKA_TOPIC=settings.kafka_topic,
        TIEPDAN_KAFKA_DEAD_LETTER_TOPIC=settings.kafka_dead_letter_topic,
        TIEPDAN_KAFKA_GROUP_PREFIX=settings.kafka_group_prefix,
        TIEPDAN_JWT_JWKS_URL=str(settings.jwt_jwks_url),
        TIEPDAN_IDENTITY_KEYS=str(settings.identity_keys),
        TIEPDAN_INTERNAL_TOKEN=settings.internal_token.get_secret_value(),
        # The test broker's PLAINTEXT, acknowledged (production refuses it otherwise).
        TIEPDAN_ALLOW_PLAINTEXT_TRANSPORT="true",
        TIEPDAN_DATA_DIR=str(settings.data_dir),
        TIEPDAN_RELAY_POLL_SECONDS="0.2",
        # The test polls five cases by code from one address: without these, a pipeline slowed
        # by a loaded machine spends the lookup budget (30) and every later poll is a 429.
        TIEPDAN_LIMITS_READ_BURST="1000000",
        TIEPDAN_LIMITS_LOOKUP_BURST="1000000",
        PYTHONUNBUFFERED="1",  # the logs shown on a failure are the logs up to that moment
    )
    return env


def _serve(name: str, port: int, settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [TIEPDAN, "serve", name, "--port", str(port)],
            env=_env(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _ready(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            return (await client.get(f"{url}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


async def _committed_at_end(settings: Settings) -> dict[str, bool]:
    topic = settings.kafka_topic
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await consumer.start()
    await admin.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = await consumer.end_offsets(partitions)
        result = {}
        for group in GROUPS:
            offsets = await admin.list_consumer_group_offsets(settings.kafka_group_prefix + group)
            result[group] = all(
                (offsets[tp].offset if tp in offsets else 0) == ends[tp]
                for tp in partitions
                if ends[tp] > 0
            )
        return result
    finally:
        await consumer.stop()
        await admin.close()


async def test_sigterm_finishes_commits_and_exits_zero(
    pg_admin_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = await production_settings(pg_admin_url, kafka_bootstrap, tmp_path)
    for name in ALL:
        await upgrade(settings[name].database_url_for(name), SERVICES[name].definition.migrations)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    urls: dict[str, str] = {}
    logs: dict[str, Path] = {}
    try:
        for name in ALL:
            port = _port()
            urls[name] = f"http://127.0.0.1:{port}"
            logs[name] = tmp_path / f"{name}.log"
            processes[name] = _serve(name, port, settings[name], logs[name])
        for name in ALL:
            await wait_until(lambda n=name: _ready(urls[n]), what=f"{name} ready", within=60)

        async with httpx.AsyncClient(base_url=urls["intake"], timeout=10) as intake:
            codes = []
            for _ in range(5):
                created = await intake.post(
                    "/v1/cases",
                    json={
                        "kind": "feedback",
                        "title": "Cống thoát nước bị tắc",
                        "description": "Nước tràn ra đường mỗi khi mưa.",
                        "location": {"unit_code": "06427"},
                    },
                )
                assert created.status_code == 201, created.text
                codes.append(created.json()["tracking_code"])

            async def all_routed() -> bool:
                for code in codes:
                    answer = await intake.get(f"/v1/cases/{code}")
                    assert answer.status_code == 200, answer.text
                    view = answer.json()
                    if view["status"] != "routed" or not view["deadlines"]:
                        return False
                return True

            try:
                await wait_until(all_routed, what="the five cases routed with deadlines", within=60)
            except AssertionError as exc:
                tails = "\n".join(
                    f"--- {name}\n{path.read_text(errors='replace')[-4000:]}"
                    for name, path in logs.items()
                )
                raise AssertionError(f"{exc}\n{tails}") from None

        began = time.monotonic()
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for name, process in processes.items():
            left = max(1.0, 40 - (time.monotonic() - began))
            code = await asyncio.to_thread(process.wait, left)
            log = logs[name].read_text(errors="replace")
            assert code == 0, f"{name} exited {code}:\n{log[-3000:]}"
            assert f"{name} stopped" in log, log[-3000:]
        committed = await _committed_at_end(settings["intake"])
        assert committed == dict.fromkeys(GROUPS, True), committed
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
