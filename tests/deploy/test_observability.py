"""Dashboards and alert rules are built on the metrics the services really export.

Every metric name in a Grafana query (deploy/grafana/dashboards/*.json) and in an
alert rule (deploy/prometheus/alerts.yml and the Kubernetes PrometheusRule) is
looked up in the /metrics output of the three running services (the `stack`
fixture: embedded, and production with -m integration). A histogram `x` exports
`x_bucket`, `x_sum` and `x_count`; a counter `x_total`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = REPO / "deploy" / "grafana" / "dashboards"
PROVISIONING = REPO / "deploy" / "grafana" / "provisioning"
ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
PROMETHEUS_CONFIG = REPO / "deploy" / "prometheus" / "prometheus.yml"
MONITORING = REPO / "deploy" / "k8s" / "base" / "monitoring.yaml"
SERVICES = ("intake", "routing", "notification")

DEADLINES_DASHBOARD = "tiepdan-deadlines.json"

# Metrics that come from elsewhere: Prometheus itself, kube-state-metrics and
# Strimzi's Kafka Exporter (Kubernetes-only rule group).
EXTERNAL = {
    "up": "prometheus",
    "kube_deployment_spec_replicas": "kube-state-metrics",
    "kube_deployment_status_replicas_available": "kube-state-metrics",
    "kube_job_status_failed": "kube-state-metrics",
    "kafka_consumergroup_lag": "strimzi kafka exporter",
}
EXTERNAL_RULE_GROUPS = {"tiepdan.kubernetes"}

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_NAME = re.compile(r"(?<![\w:$])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])")
PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "offset", "bool", "rate", "irate", "increase", "delta", "idelta", "deriv", "histogram_quantile",
    "abs", "absent", "clamp_min", "clamp_max", "time", "vector", "scalar", "label_replace",
    "avg_over_time", "max_over_time", "min_over_time", "sum_over_time", "count_over_time",
    "e", "inf", "nan",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression: identifiers outside strings, label
    matchers, grouping clauses and range selectors that are not PromQL words."""
    expr = _STRING.sub('""', expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # [5m], [$__rate_interval]
    expr = re.sub(r"\$\w+", "", expr)  # Grafana variables
    names = set()
    for match in _NAME.finditer(expr):
        word = match.group(1)
        rest = expr[match.end() :].lstrip()
        if word.lower() in PROMQL_WORDS or rest.startswith("("):
            continue
        if re.fullmatch(r"\d+[smhdwy]?", word):
            continue
        names.add(word)
    return names


def test_metric_names_are_extracted_from_promql() -> None:
    expr = (
        "histogram_quantile(0.95, sum by (route, le) (rate("
        'tiepdan_http_request_duration_seconds_bucket{job="intake", route=~"/v1/.+"}'
        "[$__rate_interval]))) / on (job) group_left up offset 1d > bool 2"
    )
    assert metric_names(expr) == {"tiepdan_http_request_duration_seconds_bucket", "up"}


def dashboard_queries() -> dict[str, list[str]]:
    """file name -> every PromQL expression of its panels (rows' panels included)."""
    result: dict[str, list[str]] = {}
    for path in sorted(DASHBOARDS.glob("*.json")):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        panels = list(dashboard["panels"])
        exprs = []
        while panels:
            panel = panels.pop()
            panels += panel.get("panels", [])
            exprs += [target["expr"] for target in panel.get("targets", [])]
        result[path.name] = exprs
    return result


def rule_groups() -> dict[str, list[str]]:
    """rule group name -> its expressions, from alerts.yml and the PrometheusRule."""
    groups: dict[str, list[str]] = {}
    sources = [yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"]]
    for document in yaml.safe_load_all(MONITORING.read_text(encoding="utf-8")):
        if document and document["kind"] == "PrometheusRule":
            sources.append(document["spec"]["groups"])
    for source in sources:
        for group in source:
            groups.setdefault(group["name"], []).extend(rule["expr"] for rule in group["rules"])
    return groups


def used_metrics() -> dict[str, set[str]]:
    """metric -> where it is used ("dashboard X", "rules Y")."""
    uses: dict[str, set[str]] = {}
    for name, exprs in dashboard_queries().items():
        for expr in exprs:
            for metric in metric_names(expr):
                uses.setdefault(metric, set()).add(f"dashboard {name}")
    for name, exprs in rule_groups().items():
        for expr in exprs:
            for metric in metric_names(expr):
                uses.setdefault(metric, set()).add(f"rules {name}")
    return uses


def declared_metrics() -> set[str]:
    """Sample names the metrics modules declare (a static cross-check without a stack):
    shared/metrics.py and each service's own."""
    sources = [REPO / "shared" / "metrics.py", *sorted((REPO / "services").rglob("metrics.py"))]
    source = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    names = set()
    for kind, name in re.findall(r'(Counter|Gauge|Histogram)\(\s*"(\w+)"', source):
        if kind == "Histogram":
            names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
        elif kind == "Counter":
            names.add(name if name.endswith("_total") else f"{name}_total")
        else:
            names.add(name)
    return names


def exported_metrics(text: str) -> set[str]:
    """Sample names a /metrics page exports, from its # TYPE lines and its samples."""
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()[:4]
            if kind == "histogram":
                names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
            elif kind == "counter":
                names.add(name if name.endswith("_total") else f"{name}_total")
            else:
                names.add(name)
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


# --------------------------------------------------------------------------- #
# Offline
# --------------------------------------------------------------------------- #


def test_dashboards_are_provisionable() -> None:
    datasources = yaml.safe_load(
        (PROVISIONING / "datasources" / "prometheus.yml").read_text(encoding="utf-8")
    )["datasources"]
    uids = {source["uid"] for source in datasources}
    provider = yaml.safe_load(
        (PROVISIONING / "dashboards" / "tiepdan.yml").read_text(encoding="utf-8")
    )["providers"][0]
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"

    seen_uids = set()
    files = sorted(DASHBOARDS.glob("*.json"))
    assert {path.name for path in files} >= {"tiepdan-overview.json", DEADLINES_DASHBOARD}
    for path in files:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        assert dashboard["uid"] not in seen_uids, f"{path.name}: duplicate uid"
        seen_uids.add(dashboard["uid"])
        assert "id" not in dashboard or dashboard["id"] is None, f"{path.name}: drop the id"
        panel_ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(panel_ids) == len(set(panel_ids)), f"{path.name}: duplicate panel ids"
        for panel in dashboard["panels"]:
            assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]
            if panel["type"] == "row":
                continue
            assert panel["datasource"]["uid"] in uids, panel["title"]
            assert panel["targets"], panel["title"]
            for target in panel["targets"]:
                assert target["datasource"]["uid"] in uids
                assert target["expr"].strip(), panel["title"]


def test_dashboards_cover_what_operators_watch() -> None:
    queries = dashboard_queries()
    overview = " ".join(queries["tiepdan-overview.json"])
    for needle in (
        'tiepdan_http_requests_total{job="intake"}',
        "tiepdan_http_request_duration_seconds_bucket",
        "sum by (consumer, outcome) (rate(tiepdan_events_consumed_total",
        "tiepdan_consumer_event_age_seconds",
        "tiepdan_outbox_backlog",
        "tiepdan_events_dead_lettered_total",
    ):
        assert needle in overview, needle
    deadlines = " ".join(queries[DEADLINES_DASHBOARD])
    assert "by (province, kind)" in deadlines
    assert "tiepdan_notifications_delivered_total" in deadlines


def test_external_metrics_stay_in_kubernetes_rules() -> None:
    for metric, places in used_metrics().items():
        if metric in EXTERNAL and metric != "up":
            assert places <= {f"rules {g}" for g in EXTERNAL_RULE_GROUPS}, (metric, places)


def test_every_metric_used_is_declared_or_external() -> None:
    """Static check against shared/metrics.py; the integration test checks /metrics."""
    declared = declared_metrics()
    unknown = {
        metric: places
        for metric, places in used_metrics().items()
        if metric not in declared and metric not in EXTERNAL
    }
    assert not unknown, f"metrics no service declares: {unknown}"


def test_compose_prometheus_scrapes_the_services_as_kubernetes_names_them() -> None:
    """Job names equal the Kubernetes Services' names, so rules and dashboards fit both."""
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    ports = {"intake": 8001, "routing": 8002, "notification": 8003, "portal": 8000}
    for name, port in ports.items():
        assert jobs[name]["static_configs"][0]["targets"] == [f"{name}:{port}"]
        assert jobs[name].get("metrics_path", "/metrics") == "/metrics"
    assert config["rule_files"] == ["/etc/prometheus/rules/alerts.yml"]


# --------------------------------------------------------------------------- #
# Against the running services
# --------------------------------------------------------------------------- #


async def _exported(stack: Any) -> set[str]:
    names: set[str] = set()
    for service in SERVICES:
        response = await stack[service].get("/metrics")
        assert response.status_code == 200, service
        names |= exported_metrics(response.text)
    return names


async def test_dashboards_and_alerts_use_exported_metrics(stack: Any) -> None:
    exported = await _exported(stack)
    missing = {
        metric: sorted(places)
        for metric, places in used_metrics().items()
        if metric not in exported and metric not in EXTERNAL
    }
    assert not missing, f"used in dashboards or alerts but not exported: {missing}"
