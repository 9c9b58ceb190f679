"""The envelope every event shares.

Events are past-tense facts. Consumers ignore fields they do not know, so producers may
add fields; removing or renaming one needs a new `version`.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class EventData(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


EventData_T = TypeVar("EventData_T", bound=EventData)


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    type: str
    version: int = 1
    source: str
    time: datetime
    case_id: uuid.UUID
    data: dict[str, Any]
    trace: dict[str, str] = Field(default_factory=dict)

    def parse(self, model: builtins.type[EventData_T]) -> EventData_T:
        return model.model_validate(self.data)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        return cls.model_validate_json(raw)


def new_event(
    type_: str, *, source: str, case_id: uuid.UUID, data: EventData, at: datetime | None = None
) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type=type_,
        source=source,
        time=at or datetime.now(UTC),
        case_id=case_id,
        data=data.model_dump(mode="json"),
    )


# Every type named by the architecture; metrics label unknown types "other" (bounded labels).
KNOWN_TYPES = frozenset(
    {
        "case.submitted",
        "case.routed",
        "case.accepted",
        "case.rejected",
        "case.transferred",
        "case.assigned",
        "case.info_requested",
        "case.message_added",
        "case.dialogue_scheduled",
        "case.dialogue_held",
        "case.extended",
        "case.resolved",
        "case.closed",
        "case.decision_delivered",
        "case.withdrawn",
        "case.rated",
        "case.appealed",
        "case.suspended",
        "case.resumed",
        "case.suspension_notice_sent",
        "case.reclassified",
        "deadline.set",
        "deadline.warning",
        "deadline.breached",
        "notification.sent",
        "notification.failed",
        "supervision.opened",
        "supervision.recommended",
        "recommendation.answered",
        "supervision.closed",
        "supervision.information_requested",
        "supervision.information_given",
        "recommendation.action_done",
    }
)


def type_label(type_: str) -> str:
    return type_ if type_ in KNOWN_TYPES else "other"
