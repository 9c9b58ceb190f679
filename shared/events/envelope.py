"""The envelope every event shares.

Events are past-tense facts. Consumers ignore fields they do not know, so producers may
add fields; removing or renaming one needs a new `version`.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

# Every event type with the model of its data, filled as the models are declared: the one list
# of the types (the AsyncAPI document's messages; metrics label any other type "other").
EVENT_MODELS: dict[str, builtins.type[EventData]] = {}


class EventData(BaseModel):
    """An event's data, or a part of it. An event's model names its type where it is declared,
    `class CaseRouted(UnitStep, type="case.routed")`, and carries it: `CaseRouted.type`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: ClassVar[str]
    # All the types of the model: one, but notification.sent and .failed share their data.
    types: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, *, type: str | tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = (type,) if isinstance(type, str) else type
        for name in names:
            if name in EVENT_MODELS:
                raise TypeError(f"event type {name} is declared twice")
            EVENT_MODELS[name] = cls
        if names:
            cls.types = names
        if len(names) == 1:
            cls.type = names[0]


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


def type_label(type_: str) -> str:
    return type_ if type_ in EVENT_MODELS else "other"
