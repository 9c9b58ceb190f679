"""The event bus: one interface, two adapters (Kafka, and the embedded durable log)."""

from shared.bus.base import Bus, IncomingRecord, OutgoingRecord, Subscription

__all__ = ["Bus", "IncomingRecord", "OutgoingRecord", "Subscription"]
