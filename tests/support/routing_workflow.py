"""Helpers for the routing workflow's tests: a routed case, a step, events in and out."""

from __future__ import annotations

import random
import string
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from services.catalog import SERVICES
from shared.auth import Role
from shared.bus.base import OutgoingRecord
from shared.events import Envelope, EventData, new_event
from tests.support.stack import Stack, wait_until


async def routed_case(stack: Stack, **submit: Any) -> dict[str, Any]:
    """A case filed at intake and routed: {"id", "tracking_code", ...}.

    Each named submitter gets a phone of their own: intake limits new cases per contact.
    """
    if submit.get("submitter"):
        phone = "09" + "".join(random.choices(string.digits, k=8))
        submit = submit | {"submitter": submit["submitter"] | {"phone": phone}}
    created = await stack.submit(**submit)
    case_id = created["id"]

    async def probe() -> bool:
        answer = await stack["routing"].get(f"/v1/cases/{case_id}", headers=admin(stack))
        return answer.status_code == 200

    await wait_until(probe, what=f"case {case_id} routed")
    return created


def admin(stack: Stack) -> dict[str, str]:
    return stack.auth(role=Role.admin, unit=None, sub="admin")


async def step(
    stack: Stack,
    case_id: str | uuid.UUID,
    name: str,
    body: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await stack["routing"].post(
        f"/v1/cases/{case_id}/{name}",
        json=body,
        headers=headers if headers is not None else stack.auth(unit="06427", sub="can-bo-an"),
    )


async def view(stack: Stack, case_id: str | uuid.UUID) -> dict[str, Any]:
    answer = await stack["routing"].get(f"/v1/cases/{case_id}", headers=admin(stack))
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


async def outbox_events(stack: Stack, case_id: str | uuid.UUID) -> list[Envelope]:
    """The events routing queued for a case, in order (committed, published or not)."""
    table = SERVICES["routing"].definition.messaging.outbox
    async with stack.database("routing").sessions() as session:
        rows = await session.execute(
            select(table.c.payload).where(table.c.key == str(case_id)).order_by(table.c.position)
        )
        return [Envelope.from_bytes(payload) for (payload,) in rows]


async def publish_as_intake(
    stack: Stack, case_id: str | uuid.UUID, type_: str, data: EventData
) -> Envelope:
    """Put an intake event on the bus, as intake's relay would."""
    envelope = new_event(type_, source="intake", case_id=uuid.UUID(str(case_id)), data=data)
    await publish(stack, envelope)
    return envelope


async def publish(stack: Stack, envelope: Envelope) -> None:
    bus = stack.kernel("routing").bus
    topic = stack.settings["routing"].kafka_topic
    await bus.publish([OutgoingRecord(topic, str(envelope.case_id), envelope.to_bytes())])


async def wait_status(stack: Stack, case_id: str | uuid.UUID, status: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        answer = await stack["routing"].get(f"/v1/cases/{case_id}", headers=admin(stack))
        if answer.status_code == 404:
            return None  # not there yet
        current: dict[str, Any] = answer.json()
        return current if current["status"] == status else None

    return await wait_until(probe, what=f"case {case_id} {status}")
