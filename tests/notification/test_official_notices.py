"""A routed case's notices: one to each contact administrators registered for its unit (none
to another unit's), and the citizen's, as the event's two parts write them in one
transaction; the same event again queues nothing more (both modes)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from services.notification.deadlines.models import TrackedCase
from services.notification.deadlines.service import NotificationDeps
from services.notification.handlers import CLOCK_HANDLERS, NOTICE_HANDLERS
from services.notification.notices.models import Notification, UnitContact
from shared.events import CASE_ROUTED, Envelope, new_event
from shared.messaging.consumer import bind
from tests.notification.support import FakeClock, clocks_for, local
from tests.notification.test_clocks import routed
from tests.support.stack import Stack, kernel_of

ONLY = {"services": ("notification",)}
CONTACTS = [  # unit, channel, address, language
    ("06427", "email", "tiep@unit.gov.vn", "vi"),
    ("06427", "webhook", "https://unit.gov.vn/h", "en"),
    ("99999", "email", "other@unit.gov.vn", "vi"),  # another unit's
]


async def notices(stack: Stack, event: Envelope) -> list[tuple[Any, ...]]:
    async with stack.database("notification").sessions() as session:
        rows = (
            await session.scalars(select(Notification).where(Notification.case_id == event.case_id))
        ).all()
    return sorted(
        (
            n.dedupe_key,
            n.audience,
            n.channel,
            n.recipient,
            n.template,
            n.language,
            n.context,
            n.state,
            n.attempts,
            n.next_attempt_at,
            n.created_at,
        )
        for n in rows
    )


async def test_a_routed_case_tells_its_units_contacts_and_its_citizen_once(
    stack_factory,
) -> None:
    async with stack_factory(**ONLY) as stack:
        app = stack.apps["notification"]
        clock = FakeClock(datetime(2026, 6, 30, tzinfo=UTC))
        deps = NotificationDeps(clocks_for(app, clock))
        parts = (bind(CLOCK_HANDLERS, deps), bind(NOTICE_HANDLERS, deps))
        day = date(2026, 6, 30)
        clock.set_local(day)
        data = routed("petition", day).model_copy(update={"public_note": "Chuyển về UBND"})
        event = new_event(
            CASE_ROUTED, source="test", case_id=uuid.uuid4(), data=data, at=local(day)
        )
        database = kernel_of(app).database
        async with database.transaction() as session:
            session.add_all(
                UnitContact(unit_code=u, channel=c, address=a, language=lang)
                for u, c, a, lang in CONTACTS
            )
            session.add(
                TrackedCase(
                    case_id=event.case_id,
                    tracking_code="TEST1234",
                    kind="petition",
                    unit_code="",
                    province_code="",
                    received_on=day,
                    contact_ref="ref-1",
                    contact_channel="sms",
                    language="en",
                    updated_at=clock(),
                )
            )

        async def handle() -> None:
            async with database.transaction() as session:
                for handlers in parts:
                    await handlers[CASE_ROUTED](session, event)

        await handle()
        now = clock()
        queued = {"tracking_code": "TEST1234", "case_kind": "petition", "note": "Chuyển về UBND"}
        first = await notices(stack, event)
        assert first == sorted(
            [
                (
                    f"queued:{event.id}|official|email|tiep@unit.gov.vn",
                    *("official", "email", "tiep@unit.gov.vn", "case_queued", "vi"),
                    {**queued, "recipient_unit": "06427"},
                    *("pending", 0, now, now),
                ),
                (
                    f"queued:{event.id}|official|webhook|https://unit.gov.vn/h",
                    *("official", "webhook", "https://unit.gov.vn/h", "case_queued", "en"),
                    {**queued, "recipient_unit": "06427"},
                    *("pending", 0, now, now),
                ),
                (
                    f"status:{event.id}|citizen|sms|contact:ref-1",
                    *("citizen", "sms", "contact:ref-1", "case_status", "en"),
                    {
                        "tracking_code": "TEST1234",
                        "status": "routed",
                        "note": "Chuyển về UBND",
                        "confidential": False,
                    },
                    *("pending", 0, now, now),
                ),
            ]
        )

        # The same event again (delivered twice): no notice more, none changed.
        await handle()
        assert await notices(stack, event) == first
