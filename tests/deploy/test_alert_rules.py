"""The alerts fire when they should, and only then: promtool's own rule unit tests.

deploy/prometheus/alerts.test.yml feeds each alert a series that must fire it and series
that must not (under the threshold, or over it for less than its `for`). The same rules are
the start of the Kubernetes PrometheusRule (test_k8s.py keeps the two identical)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: `scripts/tools.sh ensure` installs it (make test does)")
    return found


def test_the_rules_are_valid(promtool: str) -> None:
    result = subprocess.run(
        [promtool, "check", "rules", str(RULES / "alerts.yml")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_alert_fires_on_its_series_and_not_on_the_others(promtool: str) -> None:
    result = subprocess.run(
        [promtool, "test", "rules", "alerts.test.yml"],
        cwd=RULES,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alerts_the_operator_relies_on_are_each_tested() -> None:
    tests = yaml.safe_load((RULES / "alerts.test.yml").read_text(encoding="utf-8"))["tests"]
    tested = {
        case["alertname"]
        for test in tests
        for case in test["alert_rule_test"]
        if case.get("exp_alerts")
    }
    for alert in (
        "TiepdanOutboxBacklog",
        "TiepdanConsumerEventAgeHigh",
        "TiepdanEventsDeadLettered",
        "TiepdanDeadlineBreachesRising",
        "TiepdanHigh5xxRate",
        "TiepdanEventBusDown",
        "TiepdanDatabaseOutage",
    ):
        assert alert in tested, alert
