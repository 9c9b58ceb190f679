"""Delivery against a real SMTP server (aiosmtpd on a free loopback port): sent, retried, dead."""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from services.notification.channels.email import SmtpChannel
from services.notification.notices.delivery import Deliverer
from services.notification.notices.models import Notification
from services.notification.notices.service import queue
from services.notification.templates.service import Templates
from shared.auth import Role
from tests.notification.support import FakeClock
from tests.support.stack import kernel_of

ONLY = {"services": ("notification",)}


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


async def queue_one(app, clock: FakeClock) -> uuid.UUID:
    case_id = uuid.uuid4()
    async with kernel_of(app).database.transaction() as session:
        await queue(
            session,
            case_id=case_id,
            audience="official",
            channel="email",
            recipient="tiep-dan@caikinh.gov.vn",
            template="deadline_breached",
            language="vi",
            context={
                "tracking_code": "ABC234",
                "case_kind": "petition",
                "step": "answer",
                "unit_code": "06427",
                "due_on": "2026-12-07",
                "basis": "Điều 28",
                "recipient_unit": "06427",
            },
            cause="test",
            now=clock(),
        )
    return case_id


async def log(app, case_id: uuid.UUID) -> Notification:
    from sqlalchemy import select

    async with kernel_of(app).database.sessions() as session:
        return (
            await session.execute(select(Notification).where(Notification.case_id == case_id))
        ).scalar_one()


async def test_sent_over_smtp(stack_factory, smtp) -> None:
    controller, inbox = smtp
    async with stack_factory(**ONLY) as stack:
        app = stack.apps["notification"]
        clock = FakeClock(datetime(2026, 12, 8, tzinfo=UTC))
        deliverer = Deliverer(
            kernel_of(app).database,
            {"email": SmtpChannel("127.0.0.1", controller.port, "tiepdan@test")},
            kernel_of(app).outbox,
            clock,
        )
        case_id = await queue_one(app, clock)
        assert await deliverer.deliver_once() == 1
        mail = message_from_bytes(inbox.messages[0])
        assert mail["To"] == "tiep-dan@caikinh.gov.vn"
        assert "ABC234" in str(mail["Subject"])
        row = await log(app, case_id)
        assert (row.state, row.attempts) == ("sent", 1)
        assert await stack.count("notification", "outbox", event_type="notification.sent") == 1
        response = await stack["notification"].get(
            "/v1/notifications",
            params={"case_id": str(case_id)},
            headers=stack.auth(role=Role.admin, unit=None),
        )
        assert response.json()["items"][0]["state"] == "sent"


async def test_retried_with_back_off_then_dead_lettered(stack_factory, smtp) -> None:
    _controller, inbox = smtp
    async with stack_factory(**ONLY) as stack:
        app = stack.apps["notification"]
        clock = FakeClock(datetime(2026, 12, 8, tzinfo=UTC))
        closed = free_port()  # nothing listens there: the server is "down"
        down = Deliverer(
            kernel_of(app).database,
            {"email": SmtpChannel("127.0.0.1", closed, "tiepdan@test", timeout=2)},
            kernel_of(app).outbox,
            clock,
            max_attempts=3,
            backoff_seconds=60,
        )
        case_id = await queue_one(app, clock)
        assert await down.deliver_once() == 1
        row = await log(app, case_id)
        assert (row.state, row.attempts) == ("pending", 1)
        assert row.next_attempt_at == clock() + timedelta(seconds=60)
        assert await down.deliver_once() == 0  # not due yet
        clock.at += timedelta(seconds=60)
        assert await down.deliver_once() == 1
        row = await log(app, case_id)
        assert row.next_attempt_at == clock() + timedelta(seconds=120)  # doubled
        clock.at += timedelta(seconds=120)
        assert await down.deliver_once() == 1
        row = await log(app, case_id)
        assert (row.state, row.attempts) == ("dead", 3)
        assert row.last_error
        assert await stack.count("notification", "outbox", event_type="notification.failed") == 1
        assert inbox.messages == []


async def test_a_deliverer_whose_lease_ran_out_records_and_announces_nothing(
    stack_factory, smtp
) -> None:
    controller, inbox = smtp
    async with stack_factory(**ONLY) as stack:
        app = stack.apps["notification"]
        clock = FakeClock(datetime(2026, 12, 8, tzinfo=UTC))

        def deliverer(owner: str, *, with_smtp: bool) -> Deliverer:
            channel = SmtpChannel("127.0.0.1", controller.port, "tiepdan@test")
            return Deliverer(
                kernel_of(app).database,
                {"email": channel} if with_smtp else {},  # without: a permanent failure
                kernel_of(app).outbox,
                clock,
                lease_seconds=60,
                owner=owner,
            )

        case_id = await queue_one(app, clock)
        slow, failing = deliverer("slow", with_smtp=True), deliverer("failing", with_smtp=False)
        [held] = await slow.claim()
        clock.at += timedelta(seconds=61)  # the lease ran out before it sent
        [held_too] = await failing.claim()
        clock.at += timedelta(seconds=61)
        live = deliverer("live", with_smtp=True)
        assert await live.deliver_once() == 1
        sent = await log(app, case_id)
        assert (sent.state, sent.attempts, sent.sent_at) == ("sent", 1, clock())
        # The late ones send, or fail, then find the notice no longer theirs: the outcome
        # stands as the live deliverer wrote it, announced once.
        clock.at += timedelta(seconds=5)
        await slow.deliver(held)
        await failing.deliver(held_too)
        assert len(inbox.messages) == 2  # at least once: the late one had sent it
        row = await log(app, case_id)
        assert (row.state, row.attempts, row.sent_at, row.last_error) == (
            "sent",
            1,
            sent.sent_at,
            None,
        )
        assert (row.claimed_by, row.lease_until) == (None, None)
        assert await stack.count("notification", "outbox", event_type="notification.sent") == 1
        assert await stack.count("notification", "outbox", event_type="notification.failed") == 0


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        pytest.param("vi", "Quá hạn: hồ sơ ABC234", "đã quá thời hạn", id="vi"),
        pytest.param("en", "Overdue: case ABC234", "passed its", id="en"),
    ],
)
def test_templates_in_both_languages(language: str, subject: str, body: str) -> None:
    message = Templates().render(
        "deadline_breached",
        language,
        {
            "tracking_code": "ABC234",
            "case_kind": "denunciation",
            "step": "resolve",
            "unit_code": "06427",
            "due_on": "2026-12-07",
            "basis": "Luật Tố cáo 2018, Điều 30",
            "recipient_unit": "20",
        },
        "x@y.vn",
    )
    assert subject in message.subject
    assert body in message.body
    assert "Điều 30" in message.body


def test_a_denouncers_sms_says_nothing_of_the_case() -> None:
    message = Templates().render(
        "case_status",
        "vi",
        {
            "tracking_code": "ABC234",
            "status": "accepted",
            "note": "Tố cáo ông X",
            "confidential": True,
        },
        "+84900000000",
    )
    assert "ABC234" in message.sms
    assert "Tố cáo" not in message.sms and "Tố cáo" not in message.body
