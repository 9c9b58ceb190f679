"""The portal's metrics: the HTTP metrics every service exports (by route template), its calls
to intake and routing, and its cache of public figures. Labels are bounded: which upstream
and how it answered, never a path (it carries unit codes and tracking codes)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from shared.metrics import LATENCY_BUCKETS, HttpMetrics

# How a call to intake or routing ended: the portal's page differs for each.
OUTCOMES = ("ok", "problem", "server_error", "timeout", "unreachable")


class PortalMetrics(HttpMetrics):
    def __init__(self) -> None:
        super().__init__("portal")
        r = self.registry
        self.upstream_requests = Counter(
            "tiepdan_portal_upstream_requests_total",
            "Calls to intake's and routing's public API, by how they ended (ok: 2xx/3xx, "
            "problem: a 4xx shown to the citizen, server_error: a 5xx, timeout, unreachable)",
            ["upstream", "outcome"],
            registry=r,
        )
        self.upstream_latency = Histogram(
            "tiepdan_portal_upstream_duration_seconds",
            "Time to an answer (or the failure) from intake or routing",
            ["upstream"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.cache_lookups = Counter(
            "tiepdan_portal_public_cache_total",
            "Lookups in the cache of public figures, reports and unit names (hit or miss)",
            ["result"],
            registry=r,
        )
        for upstream in ("intake", "routing"):  # exported at zero before the first call
            self.upstream_latency.labels(upstream)
            for outcome in OUTCOMES:
                self.upstream_requests.labels(upstream, outcome)
        for result in ("hit", "miss"):
            self.cache_lookups.labels(result)
