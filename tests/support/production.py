"""Production mode on the servers scripts/test-infra.sh started: a database per service, a
topic of the run's own with its dead-letter topic, and the settings production mode needs.

One definition for both ways the project runs the services against them: in-process, as
the tests do (tests/support/stack.py builds `Settings` from `production_values`), and as
`tiepdan serve` processes, as the benchmarks do (bench/common/stack.py passes the same
values as `TIEPDAN_*` variables, `as_environment`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import asyncpg
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from shared.bus.kafka import KafkaBus
from shared.settings import BusKind, Environment, Settings

ALL = ("intake", "routing", "notification")


def database_url(admin_url: str, database: str, *, driver: str = "postgresql+asyncpg") -> str:
    """`admin_url` (the server's) pointed at `database`, through `driver`."""
    url = make_url(admin_url).set(drivername=driver, database=database)
    return url.render_as_string(hide_password=False)


async def create_databases(
    admin_url: str,
    prefix: str,
    names: Iterable[str] = ALL,
    *,
    templates: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A fresh database `{prefix}_{name}` per name, a copy of `templates[name]` if given;
    returns name -> its asyncpg URL."""
    conn = await asyncpg.connect(database_url(admin_url, "postgres", driver="postgresql"))
    urls: dict[str, str] = {}
    try:
        for name in names:
            copy = f' TEMPLATE "{templates[name]}"' if templates else ""
            await conn.execute(f'CREATE DATABASE "{prefix}_{name}"{copy}')
            urls[name] = database_url(admin_url, f"{prefix}_{name}")
    finally:
        await conn.close()
    return urls


async def create_topics(bootstrap: str, topic: str, *, partitions: int) -> list[str]:
    """The run's topic and its dead-letter topic (one partition); returns both names."""
    wanted = {topic: partitions, f"{topic}.dlq": 1}
    await KafkaBus(bootstrap).ensure_topics(wanted, replication_factor=1)
    return list(wanted)


def production_values(
    *,
    bootstrap: str,
    topic: str,
    group_prefix: str,
    key_dir: Path,
    data_dir: Path,
    internal_token: str,
) -> dict[str, Any]:
    """`Settings` field -> value: production mode on Kafka, with the run's own keys."""
    return {
        "env": Environment.production,
        "bus": BusKind.kafka,
        "kafka_bootstrap_servers": bootstrap,
        "kafka_topic": topic,
        "kafka_dead_letter_topic": f"{topic}.dlq",
        "kafka_group_prefix": group_prefix,
        "jwt_jwks_url": str(key_dir / "jwks.json"),
        "jwt_key_dir": key_dir,
        "identity_keys": Fernet.generate_key().decode(),
        "data_dir": data_dir,
        # Production mode refuses to serve without a token of its own and without the
        # local broker's PLAINTEXT acknowledged (shared/settings.py); the test broker
        # listens in PLAINTEXT on the machine's own network.
        "internal_token": internal_token,
        "allow_plaintext_transport": True,
    }


def as_environment(values: dict[str, Any]) -> dict[str, str]:
    """The same values as the variables a `tiepdan serve` process reads (`TIEPDAN_` + field)."""
    prefix = str(Settings.model_config.get("env_prefix", ""))

    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value.value if isinstance(value, Enum) else value)

    return {f"{prefix}{name}".upper(): text(value) for name, value in values.items()}
