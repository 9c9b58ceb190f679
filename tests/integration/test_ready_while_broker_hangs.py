"""A replica restarted while the broker hangs becomes ready all the same (issue 15).

Requests need only the database: every write goes to the outbox, which keeps events until
the bus is back. So `tiepdan serve` must not wait on the broker before it answers /readyz;
it used to wait in its lifespan for the producer to connect, for the producer's whole
request timeout (15 s) when the broker accepts connections and never answers: a restarted
replica stayed out of the load balancer that long, for nothing it needed.

Intake as a real `tiepdan serve` process in production mode, its broker address a socket
that accepts and never answers (a hung broker, not a stopped one: that one refuses at once).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.catalog import SERVICES
from shared.migrations import upgrade
from tests.support.stack import production_settings, wait_until

pytestmark = pytest.mark.integration
TIEPDAN = str(Path(sys.executable).parent / "tiepdan")
GAVE_UP = "event bus not reachable at start-up"  # logged when the producer's connect fails


@pytest.fixture
def hung_broker() -> Iterator[str]:
    """host:port of a socket that listens and never reads nor answers: the kernel completes
    each connection, then nothing more happens, as with a broker that hangs."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(64)
        yield f"127.0.0.1:{listening.getsockname()[1]}"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve_intake(port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [TIEPDAN, "serve", "intake", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


async def test_a_replica_is_ready_while_the_broker_hangs(
    pg_admin_url: str, kafka_bootstrap: str, hung_broker: str, tmp_path: Path
) -> None:
    settings = (await production_settings(pg_admin_url, kafka_bootstrap, tmp_path))["intake"]
    await upgrade(settings.database_url_for("intake"), SERVICES["intake"].definition.migrations)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIEPDAN_")}
    env.update(
        TIEPDAN_ENV="production",
        TIEPDAN_BUS="kafka",
        TIEPDAN_DATABASE_URL=str(settings.database_url),
        TIEPDAN_KAFKA_BOOTSTRAP_SERVERS=hung_broker,
        TIEPDAN_KAFKA_TOPIC=settings.kafka_topic,
        TIEPDAN_KAFKA_DEAD_LETTER_TOPIC=settings.kafka_dead_letter_topic,
        TIEPDAN_KAFKA_GROUP_PREFIX=settings.kafka_group_prefix,
        TIEPDAN_JWT_JWKS_URL=str(settings.jwt_jwks_url),
        TIEPDAN_IDENTITY_KEYS=str(settings.identity_keys),
        TIEPDAN_INTERNAL_TOKEN=settings.internal_token.get_secret_value(),
        TIEPDAN_ALLOW_PLAINTEXT_TRANSPORT="true",
        TIEPDAN_DATA_DIR=str(settings.data_dir),
    )
    port = _port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "intake.log"
    process = _serve_intake(port, env, log_path)
    try:
        # The readiness probe's own bus check waits up to 3 s: the client waits longer.
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:

            async def ready() -> httpx.Response | None:
                assert process.poll() is None, log_path.read_text(errors="replace")[-3000:]
                try:
                    answer = await client.get("/readyz")
                except httpx.TransportError:
                    return None
                return answer if answer.status_code == 200 else None

            answer = await wait_until(ready, what="intake ready with its broker hung", within=60)
            # Ready while the producer still waits on the broker (it gives up after 15 s).
            assert GAVE_UP not in log_path.read_text(errors="replace")
            checks = answer.json()["checks"]
            assert checks["database"] == "ok" and checks["bus"].startswith("failing"), checks
            # Ready means it serves: a citizen's submission is taken, its event kept.
            created = await client.post(
                "/v1/cases",
                json={
                    "kind": "feedback",
                    "title": "Cống thoát nước bị tắc",
                    "description": "Nước tràn ra đường mỗi khi mưa.",
                    "location": {"unit_code": "06427"},
                },
            )
            assert created.status_code == 201, created.text
    finally:  # how it stops is test_graceful_stop's subject
        process.kill()
        await asyncio.to_thread(process.wait, 30)
