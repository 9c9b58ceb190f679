from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class RoutingMetrics:
    """Routing's own metrics, on the service's registry (labels bounded: the kind of case)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.fallback = Counter(
            "tiepdan_routing_fallback_total",
            "Cases that matched no routing rule and went to the fallback queue",
            ["kind"],
            registry=registry,
        )
