"""Shared by the security tests: a production configuration with nothing unsafe in it, so
that each test changes exactly the one setting it is about."""

from __future__ import annotations

from typing import Any

from shared.settings import Settings

SAFE_PRODUCTION: dict[str, Any] = {
    "env": "production",
    "database_url": "postgresql+asyncpg://svc:a-real-password@db:5432/tiepdan",
    "jwt_jwks_url": "https://sso.example.gov.vn/certs",
    "bus": "kafka",
    "kafka_bootstrap_servers": "kafka:9093",
    "kafka_security_protocol": "SASL_SSL",
    "kafka_sasl_username": "tiepdan",
    "kafka_sasl_password": "a-real-kafka-password",
    "internal_token": "a-real-internal-token",
    "identity_keys": "eWqpt0CjJ7zWH3BjxcQOV6y3lqVnfVWFx8dZ7g0X3F0=",
}


def production(**overrides: Any) -> Settings:
    values = {**SAFE_PRODUCTION, **overrides}
    return Settings(_env_file=None, **{k: v for k, v in values.items() if v is not None})  # type: ignore[call-arg]
