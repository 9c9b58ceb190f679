"""Configuration that fails closed (issue 11, items 11-15): outside development a service
refuses to start with an unsafe setting, and says which one in a single line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.catalog import SERVICES
from shared.settings import SettingsError, load_settings
from tests.security.support import SAFE_PRODUCTION, production

TIEPDAN = str(Path(sys.executable).parent / "tiepdan")


def test_the_safe_production_configuration_starts_every_service() -> None:
    for name in SERVICES:
        SERVICES[name].app(production(service=name))  # no SettingsError


def test_routing_and_notification_start_without_the_identity_keys() -> None:
    """Item 14: only intake decrypts identities; the others never hold the keys."""
    for name in ("routing", "notification"):
        SERVICES[name].app(production(service=name, identity_keys=None))
    with pytest.raises(SettingsError, match="TIEPDAN_IDENTITY_KEYS"):
        SERVICES["intake"].app(production(service="intake", identity_keys=None))


def test_internal_endpoints_without_a_token_refuse_to_start() -> None:
    """Item 15: no token would leave /internal answering only 403s, or open by mistake."""
    for name in SERVICES:
        with pytest.raises(SettingsError, match="TIEPDAN_INTERNAL_TOKEN"):
            SERVICES[name].app(production(service=name, internal_token=None))


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SASL_PLAINTEXT"])
def test_clear_text_kafka_refuses_to_start(protocol: str) -> None:
    """Item 15: events carry case text; PLAINTEXT only with an explicit acknowledgement."""
    with pytest.raises(SettingsError, match="TIEPDAN_KAFKA_SECURITY_PROTOCOL"):
        SERVICES["routing"].app(production(kafka_security_protocol=protocol))
    acknowledged = production(kafka_security_protocol=protocol, allow_plaintext_transport=True)
    SERVICES["routing"].app(acknowledged)


def test_webhooks_signed_with_the_development_secret_refuse_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Item 15: the development secret is published; signatures made with it prove nothing."""
    monkeypatch.setenv("TIEPDAN_NOTIFY_WEBHOOK_SECRET", "dev-webhook-secret")
    with pytest.raises(SettingsError, match="TIEPDAN_NOTIFY_WEBHOOK_SECRET"):
        SERVICES["notification"].app(production(service="notification"))


@pytest.mark.parametrize(
    ("service", "variable"),
    [("intake", "TIEPDAN_LIMITS_READ_BURST"), ("notification", "TIEPDAN_NOTIFY_BATCH_SIZE")],
)
def test_a_bad_feature_setting_refuses_to_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, service: str, variable: str
) -> None:
    """A feature's settings are parts of the service's one settings object, read before
    anything is built: a bad value stops the start in one line, not a first request."""
    monkeypatch.setenv(variable, "many")
    with pytest.raises(SettingsError, match=f"^bad setting {variable}: "):
        SERVICES[service].app(production(service=service))


def test_http_jwks_is_refused_in_production() -> None:
    """Item 12: signing keys fetched in clear text can be swapped on the way."""
    with pytest.raises(SettingsError, match="TIEPDAN_JWT_JWKS_URL"):
        load_settings(**{**SAFE_PRODUCTION, "jwt_jwks_url": "http://sso.example.gov.vn/certs"})


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("identity_keys", "RdX5tlGGO6xUy7QwLYrc1DYCdjRRaBA7wk2CoAm8usQ="),
        ("internal_token", "tiepdan-dev-internal-token"),
        ("database_url", "postgresql+asyncpg://intake:intake-dev-password@postgres/tiepdan"),
    ],
)
def test_production_refuses_the_published_development_values(setting: str, value: str) -> None:
    """Item 11: the values docker-compose.yml once shipped as defaults are public."""
    with pytest.raises(SettingsError, match=f"TIEPDAN_{setting.upper()}"):
        load_settings(_env_file=None, **{**SAFE_PRODUCTION, setting: value})


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TIEPDAN_NOTIFY_SMTP_SECURITY": "none"}, "TIEPDAN_NOTIFY_SMTP_SECURITY"),
        ({"TIEPDAN_NOTIFY_SMTP_PASSWORD": ""}, "TIEPDAN_NOTIFY_SMTP_PASSWORD"),
    ],
)
def test_smtp_in_production_needs_tls_and_credentials(
    env: dict[str, str], named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 13: mail to the relay is encrypted and authenticated."""
    for key, value in {
        "TIEPDAN_NOTIFY_SMTP_HOST": "smtp.example.gov.vn",
        "TIEPDAN_NOTIFY_SMTP_USERNAME": "tiepdan",
        "TIEPDAN_NOTIFY_SMTP_PASSWORD": "a-real-smtp-password",
        **env,
    }.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=named):
        SERVICES["notification"].app(production(service="notification"))


def test_serve_prints_one_line_naming_the_setting(tmp_path: Path) -> None:
    """What an operator sees: one line, no traceback, exit status 2."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIEPDAN_")}
    env.update({f"TIEPDAN_{k.upper()}": str(v) for k, v in SAFE_PRODUCTION.items()})
    env["TIEPDAN_INTERNAL_TOKEN"] = ""
    result = subprocess.run(
        [TIEPDAN, "serve", "routing"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "TIEPDAN_INTERNAL_TOKEN" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
