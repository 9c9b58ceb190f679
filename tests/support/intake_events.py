"""Publishing other services' events straight onto the bus, as routing and notification would."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.bus.base import OutgoingRecord
from shared.events import Envelope
from tests.support.stack import Stack, kernel_of


def step(
    type_: str,
    case_id: str | uuid.UUID,
    *,
    at: datetime,
    tracking_code: str = "KH7NQ-2MPR9",  # any code: intake looks cases up by id
    kind: str = "feedback",
    unit_code: str = "06427",
    status: str,
    public_note: str | None = None,
    source: str = "routing",
    **extra: Any,
) -> Envelope:
    data = {
        "tracking_code": tracking_code,
        "kind": kind,
        "unit_code": unit_code,
        "province_code": unit_code[:2],
        "actor": "system:routing",
        "status": status,
        "public_note": public_note,
        **extra,
    }
    return Envelope(
        id=uuid.uuid4(),
        type=type_,
        source=source,
        time=at,
        case_id=uuid.UUID(str(case_id)),
        data=data,
    )


def routed(
    case_id: str, at: datetime, unit_code: str = "06427", name: str = "UBND Xã Cai Kinh", **kw: Any
) -> Envelope:
    return step(
        "case.routed",
        case_id,
        at=at,
        unit_code=unit_code,
        status="routed",
        received_at=at.isoformat(),
        unit_name=name,
        rule="place.commune",
        reason=f"{name} is competent for the place",
        **kw,
    )


def resolved(
    case_id: str, at: datetime, *, publish: bool = True, on: date | None = None, **kw: Any
) -> Envelope:
    return step(
        "case.resolved",
        case_id,
        at=at,
        status="resolved",
        summary="Đã sửa xong đèn đường.",
        decision_ref="QĐ-12/2026",
        publish=publish,
        resolved_on=(on or at.date()).isoformat(),
        public_note="Đã giải quyết",
        **kw,
    )


def deadline(
    case_id: str,
    at: datetime,
    *,
    deadline_id: uuid.UUID,
    kind: str = "answer",
    state: str = "running",
    due: datetime | None = None,
) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type="deadline.set",
        source="notification",
        time=at,
        case_id=uuid.UUID(str(case_id)),
        data={
            "deadline_id": str(deadline_id),
            "kind": kind,
            "unit_code": "06427",
            "starts_on": at.date().isoformat(),
            "due_at": (due or at + timedelta(days=14)).isoformat() if state != "paused" else None,
            "basis": "Luật Tiếp công dân 2013, Điều 28",
            "state": state,
        },
    )


def now() -> datetime:
    return datetime.now(UTC)


async def publish(stack: Stack, *events: Envelope) -> None:
    app = stack.apps["intake"]
    topic = stack.settings["intake"].kafka_topic
    await kernel_of(app).bus.publish(
        [OutgoingRecord(topic=topic, key=str(e.case_id), value=e.to_bytes()) for e in events]
    )
