"""Typed settings, one object per process, read from TIEPDAN_* variables and `.env`.

A service's feature settings (intake's `LimitSettings`, notification's `NotifySettings`...)
are parts of that one object: the service definition names them, `create_app` reads each
once before anything is built (a bad value refuses the start), and the service reaches them
with `settings.part(LimitSettings)`. A test gives its own with `settings.with_parts(...)`
instead of setting the environment."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    development = "development"
    production = "production"


class BusKind(StrEnum):
    embedded = "embedded"
    kafka = "kafka"


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names it in one line."""


# Values that were once committed (docker-compose.yml's old defaults, the development
# webhook key): anyone can read them, so no production process may run with them.
KNOWN_DEVELOPMENT_VALUES = frozenset(
    {
        "RdX5tlGGO6xUy7QwLYrc1DYCdjRRaBA7wk2CoAm8usQ=",
        "tiepdan-dev-internal-token",
        "postgres-dev-password",
        "intake-dev-password",
        "routing-dev-password",
        "notification-dev-password",
        "tiepdan-app-dev-secret",
        "minio-dev-password",
        "grafana-dev-password",
        "dev-webhook-secret",
    }
)


def known_development_value(value: str) -> str | None:
    """The known development value `value` contains (a URL may hold a password), if any."""
    return next((known for known in KNOWN_DEVELOPMENT_VALUES if known in value), None)


P = TypeVar("P", bound=BaseSettings)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TIEPDAN_", env_file=".env", extra="ignore", frozen=True
    )
    # The feature settings given or read so far, by class (see the module's docstring).
    _parts: dict[type[BaseSettings], BaseSettings] = PrivateAttr(default_factory=dict)

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
    # This replica's stable name in its consumer groups (static membership, KIP-345): one per
    # replica (Kubernetes: the pod's name). A replica restarted within the session timeout
    # takes back its partitions and the others go on without a rebalance. Empty: dynamic.
    kafka_group_instance_id: str = Field(default="", max_length=200)
    kafka_partitions: int = Field(default=6, ge=1, le=1000)
    kafka_replication_factor: int = Field(default=1, ge=1, le=5)

    relay_batch_size: int = Field(default=200, ge=1, le=10_000)
    relay_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    consumer_max_attempts: int = Field(default=5, ge=1, le=100)
    # Events fetched at once and handled in one transaction per partition (1: one by one).
    consumer_batch_size: int = Field(default=200, ge=1, le=10_000)
    consumer_retry_base_seconds: float = Field(default=0.2, ge=0, le=60)

    jwt_jwks_url: str = ""
    # How long a fetched JWKS is trusted: a key the identity provider drops stops working
    # within this time (an unknown kid refetches the set, at most every 30 s).
    jwt_jwks_cache_seconds: float = Field(default=300, gt=0, le=86_400)
    jwt_issuer: str = "tiepdan"
    jwt_audience: str = "tiepdan"
    # Where `tiepdan keys init` keeps the development key pair; defaults to data_dir/keys.
    jwt_key_dir: Path | None = None

    # Fernet keys, comma-separated, newest first: identities are encrypted with the first and
    # readable with any (key rotation). Empty in development: a key is kept under data_dir.
    identity_keys: str = ""

    # How long an Idempotency-Key's sealed answer is kept (api.md allows an expiry): after
    # it the key is fresh again, and the answer (it holds the access token) is gone.
    idempotency_ttl_hours: float = Field(default=24, gt=0, le=24 * 30)

    # The shared secret services present to each other's /internal endpoints (bearer).
    # Empty: internal endpoints answer only in development.
    internal_token: SecretStr = SecretStr("")

    # PLAINTEXT Kafka (and clear-text SMTP) outside development only where the network is
    # private to one host (docker compose): an explicit, named acknowledgement.
    allow_plaintext_transport: bool = False

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
            if self.jwt_jwks_url.startswith("http://"):
                raise ValueError(
                    "TIEPDAN_JWT_JWKS_URL must be https:// in production (keys fetched in "
                    "clear text can be replaced on the way)"
                )
            for name, value in (
                ("TIEPDAN_IDENTITY_KEYS", self.identity_keys),
                ("TIEPDAN_INTERNAL_TOKEN", self.internal_token.get_secret_value()),
                ("TIEPDAN_DATABASE_URL", self.database_url),
                ("TIEPDAN_KAFKA_SASL_PASSWORD", self.kafka_sasl_password.get_secret_value()),
            ):
                if known_development_value(value):
                    raise ValueError(
                        f"{name} holds a published development value: refused in production"
                    )
        if self.bus is BusKind.kafka and not self.kafka_bootstrap_servers:
            raise ValueError("TIEPDAN_KAFKA_BOOTSTRAP_SERVERS is required when TIEPDAN_BUS=kafka")
        if self.kafka_security_protocol.startswith("SASL") and not self.kafka_sasl_username:
            raise ValueError(
                "TIEPDAN_KAFKA_SASL_USERNAME is required with TIEPDAN_KAFKA_SECURITY_PROTOCOL="
                + self.kafka_security_protocol
            )
        return self

    def check_serving(self) -> None:
        """What a serving process (not a migration or a CLI job) refuses outside development;
        raises SettingsError naming the setting, in one line."""
        if self.env is Environment.development:
            return
        if not self.internal_token.get_secret_value():
            raise SettingsError(
                "TIEPDAN_INTERNAL_TOKEN is required outside development "
                "(the /internal endpoints would have no caller check)"
            )
        if (
            self.bus is BusKind.kafka
            and self.kafka_security_protocol in ("PLAINTEXT", "SASL_PLAINTEXT")
            and not self.allow_plaintext_transport
        ):
            raise SettingsError(
                f"TIEPDAN_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} is refused "
                "outside development: use SSL or SASL_SSL (or TIEPDAN_ALLOW_PLAINTEXT_TRANSPORT"
                "=true on a single-host private network)"
            )

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

    def with_parts(self, *parts: BaseSettings) -> Settings:
        """A copy of these settings whose feature settings include `parts` (one per class)."""
        copy = self.model_copy()
        copy._parts = {**self._parts, **{type(given): given for given in parts}}
        return copy

    def part(self, kind: type[P]) -> P:
        """The feature settings of class `kind`: as given, or read from the environment the
        first time (by `create_app`, for every part its service names) and kept."""
        if kind not in self._parts:
            try:
                self._parts[kind] = kind()
            except ValidationError as exc:
                raise _one_line(exc, str(kind.model_config.get("env_prefix", ""))) from None
        found = self._parts[kind]
        assert isinstance(found, kind)
        return found


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning a validation failure into one line that names the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise _one_line(exc, "TIEPDAN_") from None


def _one_line(exc: ValidationError, prefix: str) -> SettingsError:
    """A settings class's validation failure as one line naming its first variable."""
    first = exc.errors()[0]
    if first["loc"]:
        return SettingsError(f"bad setting {prefix}{str(first['loc'][0]).upper()}: {first['msg']}")
    return SettingsError(f"bad settings: {first['msg'].removeprefix('Value error, ')}")
