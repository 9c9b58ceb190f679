"""The event envelope and the schemas of every event's data."""

from shared.events.cases import *  # noqa: F403
from shared.events.deadlines import *  # noqa: F403
from shared.events.envelope import EVENT_MODELS, Envelope, EventData, new_event, type_label
from shared.events.supervision import *  # noqa: F403

__all__ = ["EVENT_MODELS", "Envelope", "EventData", "new_event", "type_label"]
