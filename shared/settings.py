"""Typed settings, one object per process, read from TIEPDAN_* variables and `.env`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    development = "development"
    production = "production"


class BusKind(StrEnum):
    embedded = "embedded"
    kafka = "kafka"


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names it in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TIEPDAN_", env_file=".env", extra="ignore", frozen=True
    )

    env: Environment = Environment.development
    service: str = "tiepdan"
    data_dir: Path = Path("var")
    # Empty means "the service's own SQLite file under data_dir" (embedded mode only).
    database_url: str = ""
    database_pool_size: int = Field(default=10, ge=1, le=200)
    # How long a request waits for a pooled connection before it is answered 503.
    database_pool_timeout: float = Field(default=10.0, gt=0, le=120)

    bus: BusKind = BusKind.embedded
    # Empty means "events.db under data_dir".
    event_log_url: str = ""
    kafka_bootstrap_servers: str = ""
    kafka_topic: str = "tiepdan.case-events"
    kafka_dead_letter_topic: str = "tiepdan.case-events.dlq"
    # Connection security (Strimzi's listeners: SASL_SSL with SCRAM-SHA-512 and its CA).
    kafka_security_protocol: str = Field(
        default="PLAINTEXT", pattern="^(PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL)$"
    )
    kafka_sasl_mechanism: str = Field(
        default="SCRAM-SHA-512", pattern="^(PLAIN|SCRAM-SHA-256|SCRAM-SHA-512)$"
    )
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")
    kafka_ssl_cafile: str = ""
    # Prefixed to consumer group names, so that several stacks can share one broker.
    kafka_group_prefix: str = ""
    kafka_partitions: int = Field(default=6, ge=1, le=1000)
    kafka_replication_factor: int = Field(default=1, ge=1, le=5)

    relay_batch_size: int = Field(default=200, ge=1, le=10_000)
    relay_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    consumer_max_attempts: int = Field(default=5, ge=1, le=100)
    consumer_retry_base_seconds: float = Field(default=0.2, ge=0, le=60)

    jwt_jwks_url: str = ""
    jwt_issuer: str = "tiepdan"
    jwt_audience: str = "tiepdan"
    # Where `tiepdan keys init` keeps the development key pair; defaults to data_dir/keys.
    jwt_key_dir: Path | None = None

    # Fernet keys, comma-separated, newest first: identities are encrypted with the first and
    # readable with any (key rotation). Empty in development: a key is kept under data_dir.
    identity_keys: str = ""

    # The shared secret services present to each other's /internal endpoints (bearer).
    # Empty: internal endpoints answer only in development.
    internal_token: SecretStr = SecretStr("")

    log_level: str = "INFO"
    log_format: str = Field(default="json", pattern="^(json|console)$")
    # A named crash point for fault-injection tests ("" = none); see shared/faults.py.
    fault_crash_at: str = ""

    @model_validator(mode="after")
    def _production_needs_real_infrastructure(self) -> Settings:
        if self.env is Environment.production:
            if not self.database_url:
                raise ValueError("TIEPDAN_DATABASE_URL is required in production")
            if not self.jwt_jwks_url:
                raise ValueError("TIEPDAN_JWT_JWKS_URL is required in production")
            if not self.identity_keys:
                raise ValueError("TIEPDAN_IDENTITY_KEYS is required in production")
        if self.bus is BusKind.kafka and not self.kafka_bootstrap_servers:
            raise ValueError("TIEPDAN_KAFKA_BOOTSTRAP_SERVERS is required when TIEPDAN_BUS=kafka")
        if self.kafka_security_protocol.startswith("SASL") and not self.kafka_sasl_username:
            raise ValueError(
                "TIEPDAN_KAFKA_SASL_USERNAME is required with TIEPDAN_KAFKA_SECURITY_PROTOCOL="
                + self.kafka_security_protocol
            )
        return self

    def database_url_for(self, service: str) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir.resolve() / service}.db"

    def resolved_event_log_url(self) -> str:
        return self.event_log_url or f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'events'}.db"

    def kafka_client_options(self) -> dict[str, Any]:
        """Keyword arguments every aiokafka client (producer, consumer, admin) takes."""
        options: dict[str, Any] = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_security_protocol in ("SSL", "SASL_SSL"):
            from aiokafka.helpers import create_ssl_context

            options["ssl_context"] = create_ssl_context(cafile=self.kafka_ssl_cafile or None)
        if self.kafka_security_protocol.startswith("SASL"):
            options.update(
                sasl_mechanism=self.kafka_sasl_mechanism,
                sasl_plain_username=self.kafka_sasl_username,
                sasl_plain_password=self.kafka_sasl_password.get_secret_value(),
            )
        return options

    def resolved_key_dir(self) -> Path:
        return self.jwt_key_dir or self.data_dir / "keys"


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning a validation failure into one line that names the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["loc"]:
            name = "TIEPDAN_" + str(first["loc"][0]).upper()
            raise SettingsError(f"bad setting {name}: {first['msg']}") from None
        raise SettingsError(f"bad settings: {first['msg'].removeprefix('Value error, ')}") from None
