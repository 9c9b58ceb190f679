"""Items 11, 13, 14 and 1 in the deployment files: no secret is committed, a missing one
stops Compose, only intake gets the identity keys, SMTP is encrypted and logged in, and the
client address comes from what the ingress sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.settings import KNOWN_DEVELOPMENT_VALUES
from tests.deploy.test_compose import SECRETS, environment, interpolate

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
K8S = REPO / "deploy" / "k8s" / "base"


def test_no_development_secret_is_committed() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    for value in KNOWN_DEVELOPMENT_VALUES:
        assert value not in text, value


def test_compose_will_not_start_without_each_secret() -> None:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    for name in SECRETS:
        with pytest.raises(ValueError, match=f"required variable {name} is missing"):
            interpolate(document, env={k: v for k, v in SECRETS.items() if k != name})


def _compose_env(service: str) -> dict[str, str]:
    document = interpolate(yaml.safe_load(COMPOSE.read_text(encoding="utf-8")), env=SECRETS)
    return environment(document["services"][service])


def _k8s_env(name: str) -> dict[str, Any]:
    for document in yaml.safe_load_all((K8S / f"{name}.yaml").read_text(encoding="utf-8")):
        if document and document["kind"] == "Deployment":
            [container] = document["spec"]["template"]["spec"]["containers"]
            return {e["name"]: e for e in container.get("env", [])}
    raise AssertionError(f"no Deployment in {name}.yaml")


def test_only_intake_gets_the_identity_keys() -> None:
    assert "TIEPDAN_IDENTITY_KEYS" in _compose_env("intake")
    assert "TIEPDAN_IDENTITY_KEYS" in _k8s_env("intake")
    for name in ("routing", "notification"):
        assert "TIEPDAN_IDENTITY_KEYS" not in _compose_env(name), name
        assert "TIEPDAN_IDENTITY_KEYS" not in _k8s_env(name), name


def test_kubernetes_mail_is_starttls_with_credentials_from_a_secret() -> None:
    config = yaml.safe_load((K8S / "config.yaml").read_text(encoding="utf-8"))["data"]
    assert config["TIEPDAN_NOTIFY_SMTP_PORT"] == "587"
    assert config["TIEPDAN_NOTIFY_SMTP_SECURITY"] == "starttls"
    env = _k8s_env("notification")
    for name in ("TIEPDAN_NOTIFY_SMTP_USERNAME", "TIEPDAN_NOTIFY_SMTP_PASSWORD"):
        assert env[name]["valueFrom"]["secretKeyRef"]["name"] == "tiepdan-smtp"


def test_the_client_address_is_configured_where_requests_arrive() -> None:
    assert _k8s_env("intake")["TIEPDAN_LIMITS_CLIENT_IP_HEADER"]["value"] == "X-Real-IP"
    assert _compose_env("intake")["TIEPDAN_LIMITS_TRUSTED_HOPS"] == "0"  # direct, loopback
