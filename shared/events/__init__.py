"""The event envelope and the schemas of every event's data."""

from shared.events.cases import *  # noqa: F403
from shared.events.deadlines import *  # noqa: F403
from shared.events.envelope import Envelope, EventData, new_event, type_label
from shared.events.supervision import *  # noqa: F403

__all__ = ["Envelope", "EventData", "new_event", "type_label"]
