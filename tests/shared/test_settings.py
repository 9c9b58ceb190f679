"""A missing or malformed setting stops start-up with one clear line naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.settings import SettingsError, load_settings

TIEPDAN = str(Path(sys.executable).parent / "tiepdan")


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TIEPDAN_")}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TIEPDAN_ENV": "production"}, "TIEPDAN_DATABASE_URL"),
        ({"TIEPDAN_BUS": "kafka"}, "TIEPDAN_KAFKA_BOOTSTRAP_SERVERS"),
        ({"TIEPDAN_BUS": "rabbit"}, "TIEPDAN_BUS"),
        ({"TIEPDAN_RELAY_BATCH_SIZE": "lots"}, "TIEPDAN_RELAY_BATCH_SIZE"),
        (
            {"TIEPDAN_ENV": "production", "TIEPDAN_DATABASE_URL": "postgresql://x/y"},
            "TIEPDAN_JWT_JWKS_URL",
        ),
    ],
)
def test_serve_refuses_to_start_naming_the_setting(
    env: dict[str, str], named: str, tmp_path: Path
) -> None:
    result = subprocess.run(
        [TIEPDAN, "serve", "intake"],
        env={**_clean_env(), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "Traceback" not in result.stderr


def test_load_settings_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="TIEPDAN_KAFKA_PARTITIONS"):
        load_settings(_env_file=None, kafka_partitions=0)


def test_kafka_sasl_ssl_options_reach_every_client() -> None:
    settings = load_settings(
        _env_file=None,
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="intake",
        kafka_sasl_password="s3cret",
        kafka_sasl_mechanism="SCRAM-SHA-512",
    )
    options = settings.kafka_client_options()
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("intake", "s3cret")
    assert options["ssl_context"] is not None
    assert "s3cret" not in repr(settings)  # the password never reaches a log line


def test_sasl_without_a_username_is_refused() -> None:
    with pytest.raises(SettingsError, match="TIEPDAN_KAFKA_SASL_USERNAME"):
        load_settings(_env_file=None, kafka_security_protocol="SASL_SSL")
