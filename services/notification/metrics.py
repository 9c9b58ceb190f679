"""The service's own metrics, on the shared registry: labels are kinds, steps, provinces,
channels and results, all bounded (34 provinces), never case or deadline ids."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class NotifyMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.deadlines_open = Gauge(
            "tiepdan_deadlines_open",
            "Open deadlines by province, case kind, step and urgency (due_soon, breached)",
            ["province", "kind", "step", "urgency"],
            registry=registry,
        )
        self.timers_fired = Counter(
            "tiepdan_timers_fired_total",
            "Timers fired (reminders and breaches)",
            ["timer", "outcome"],
            registry=registry,
        )
        self.reminder_lag = Histogram(
            "tiepdan_timer_lag_seconds",
            "Delay between a timer's fire time and its firing",
            ["timer"],
            buckets=(0.5, 1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 86_400),
            registry=registry,
        )
        self.deliveries = Counter(
            "tiepdan_notifications_delivered_total",
            "Delivery attempts by channel and result (sent, retry, dead)",
            ["channel", "result"],
            registry=registry,
        )
