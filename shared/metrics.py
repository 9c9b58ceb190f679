"""Prometheus metrics: one registry per service, labels bounded by route template and event type."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_UNMEASURED = frozenset({"/healthz", "/readyz", "/metrics"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class HttpMetrics:
    """A registry with the HTTP metrics every server of the project exports (the portal too,
    which has no database or bus: the same names, so the same dashboards and alerts)."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_requests = Counter(
            "tiepdan_http_requests_total",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "tiepdan_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )


class ServiceMetrics(HttpMetrics):
    def __init__(self, service: str) -> None:
        super().__init__(service)
        r = self.registry
        self.events_published = Counter(
            "tiepdan_events_published_total",
            "Outbox events acknowledged by the bus",
            ["type"],
            registry=r,
        )
        self.outbox_backlog = Gauge(
            "tiepdan_outbox_backlog", "Outbox rows not yet acknowledged by the bus", registry=r
        )
        self.relay_errors = Counter(
            "tiepdan_outbox_relay_errors_total", "Failed relay attempts (retried)", registry=r
        )
        self.events_consumed = Counter(
            "tiepdan_events_consumed_total",
            "Events handled by a consumer",
            ["consumer", "type", "outcome"],
            registry=r,
        )
        self.handler_latency = Histogram(
            "tiepdan_event_handler_duration_seconds",
            "Event handling time, transaction included",
            ["consumer"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.dead_lettered = Counter(
            "tiepdan_events_dead_lettered_total",
            "Events parked in the dead-letter topic",
            ["consumer"],
            registry=r,
        )
        self.commit_failures = Counter(
            "tiepdan_consumer_commit_failures_total",
            "Offset commits refused (will be redelivered)",
            ["consumer"],
            registry=r,
        )
        self.outage_retries = Counter(
            "tiepdan_outage_retries_total",
            "Work postponed because a dependency was down (waited out, never a failure)",
            ["component"],
            registry=r,
        )
        self.dependency_up = Gauge(
            "tiepdan_dependency_up",
            "1 when the last use of a dependency (database, bus) succeeded, else 0",
            ["dependency"],
            registry=r,
        )
        self.consumer_lag_seconds = Gauge(
            "tiepdan_consumer_event_age_seconds",
            "Age of the last event a consumer handled",
            ["consumer"],
            registry=r,
        )


class HttpMetricsMiddleware:
    """Counts and times requests by route template, never by raw path (bounded labels)."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _UNMEASURED:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        # As it came in: a Mount (the portal's /static) rewrites root_path on its way down.
        arrived = dict(scope)

        async def _send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            route = _route_template(scope, arrived)
            method = scope["method"]
            self.metrics.http_requests.labels(method, route, f"{status // 100}xx").inc()
            self.metrics.http_latency.labels(method, route).observe(time.perf_counter() - started)


def _route_template(scope: Scope, arrived: Scope) -> str:
    route = scope.get("route")
    if route is not None and hasattr(route, "path"):
        return str(route.path)
    app = scope.get("app")
    for candidate in getattr(getattr(app, "router", None), "routes", []):
        path = getattr(candidate, "path", None)  # an included router has none of its own
        if path is None:
            continue
        match, _ = candidate.matches(arrived)
        if match is Match.FULL:
            return str(path)
    return "unmatched"
