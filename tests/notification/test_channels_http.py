"""SMS gateway and signed webhooks against a real HTTP server on a free loopback port.

The server (tests/support/http_server.py) is a few lines of asyncio: it records each request
and answers with the status the test sets. Nothing in httpx is mocked.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.notification.channels.base import Message
from services.notification.channels.http import SIGNATURE_HEADER, SmsChannel, WebhookChannel, sign
from services.notification.notices.delivery import Deliverer
from services.notification.notices.models import Notification
from services.notification.notices.service import queue
from tests.notification.support import FakeClock
from tests.support.http_server import Request
from tests.support.stack import kernel_of

ONLY = {"services": ("notification",)}
SECRET = "a-webhook-secret-for-tests"
DENUNCIATION = "Tố cáo ông Nguyễn Văn X, chủ tịch xã, nhận hối lộ khi cấp đất"


def verifies(secret: str, request: Request) -> bool:
    stamp = request.headers["x-tiepdan-timestamp"]
    expected = sign(secret, stamp, request.body)
    return hmac.compare_digest(expected, request.headers[SIGNATURE_HEADER.lower()])


async def queue_notice(app, clock: FakeClock, **fields) -> uuid.UUID:
    case_id = uuid.uuid4()
    async with kernel_of(app).database.transaction() as session:
        await queue(session, case_id=case_id, cause="test", now=clock(), **fields)
    return case_id


async def notice(app, case_id: uuid.UUID) -> Notification:
    async with kernel_of(app).database.sessions() as session:
        return (
            await session.execute(select(Notification).where(Notification.case_id == case_id))
        ).scalar_one()


async def test_a_denouncers_sms_carries_no_content_of_the_case(stack_factory, http_server) -> None:
    async with stack_factory(**ONLY) as stack:
        app = stack.apps["notification"]
        clock = FakeClock(datetime(2026, 12, 8, tzinfo=UTC))
        deliverer = Deliverer(
            kernel_of(app).database,
            {"sms": SmsChannel(f"{http_server.url}/sms")},
            kernel_of(app).outbox,
            clock,
        )
        case_id = await queue_notice(
            app,
            clock,
            audience="citizen",
            channel="sms",
            recipient="+84900000000",
            template="case_status",
            language="vi",
            context={
                "tracking_code": "ABC234",
                "status": "accepted",
                "note": DENUNCIATION,
                "confidential": True,
            },
        )
        assert await deliverer.deliver_once() == 1
        [request] = http_server.requests
        assert (request.method, request.path) == ("POST", "/sms")
        sent = json.loads(request.body)
        assert sent["to"] == "+84900000000"
        assert "ABC234" in sent["text"]
        text = request.body.decode()
        for fragment in ("Tố cáo", "Nguyễn Văn X", "hối lộ", "accepted"):
            assert fragment not in text and fragment not in sent["text"]
        assert set(sent) == {"to", "text"}  # nothing else travels to the gateway
        assert (await notice(app, case_id)).state == "sent"


async def test_the_webhook_signature_verifies_with_the_secret_only(http_server) -> None:
    # The test server is plain http on loopback: allowed explicitly.
    channel = WebhookChannel(SECRET, allow_private=True, https_only=False)
    payload = {"template": "deadline_breached", "tracking_code": "ABC234", "unit_code": "06427"}
    message = Message(
        recipient=f"{http_server.url}/hook", subject="s", body="b", sms="", payload=payload
    )
    await channel.send(message)
    [request] = http_server.requests
    assert request.path == "/hook"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == payload
    assert request.headers[SIGNATURE_HEADER.lower()].startswith("sha256=")
    # What a receiver computes by hand from the documented scheme: HMAC(secret, ts "." body).
    stamp = request.headers["x-tiepdan-timestamp"]
    by_hand = hmac.new(SECRET.encode(), f"{stamp}.".encode() + request.body, hashlib.sha256)
    assert request.headers[SIGNATURE_HEADER.lower()] == "sha256=" + by_hand.hexdigest()
    assert verifies(SECRET, request)
    assert not verifies("another-secret", request)
    tampered = Request(request.method, request.path, request.headers, request.body + b" ")
    assert not verifies(SECRET, tampered)


async def test_a_failing_gateway_is_retried_with_back_off_then_dead(
    stack_factory, http_server
) -> None:
    http_server.status = 503
    async with stack_factory(**ONLY) as stack:
        app = stack.apps["notification"]
        clock = FakeClock(datetime(2026, 12, 8, tzinfo=UTC))
        deliverer = Deliverer(
            kernel_of(app).database,
            {"sms": SmsChannel(f"{http_server.url}/sms")},
            kernel_of(app).outbox,
            clock,
            max_attempts=3,
            backoff_seconds=60,
        )
        case_id = await queue_notice(
            app,
            clock,
            audience="citizen",
            channel="sms",
            recipient="+84900000001",
            template="case_status",
            language="vi",
            context={
                "tracking_code": "XYZ789",
                "status": "routed",
                "note": "",
                "confidential": False,
            },
        )
        assert await deliverer.deliver_once() == 1
        row = await notice(app, case_id)
        assert (row.state, row.attempts) == ("pending", 1)
        assert row.next_attempt_at == clock() + timedelta(seconds=60)
        assert "503" in (row.last_error or "")
        assert await deliverer.deliver_once() == 0  # not due yet: nothing is sent
        assert len(http_server.requests) == 1
        clock.at += timedelta(seconds=60)
        assert await deliverer.deliver_once() == 1
        row = await notice(app, case_id)
        assert (row.state, row.attempts) == ("pending", 2)
        assert row.next_attempt_at == clock() + timedelta(seconds=120)  # doubled
        clock.at += timedelta(seconds=120)
        assert await deliverer.deliver_once() == 1
        row = await notice(app, case_id)
        assert (row.state, row.attempts) == ("dead", 3)
        assert "503" in (row.last_error or "")
        assert len(http_server.requests) == 3
        clock.at += timedelta(days=1)
        assert await deliverer.deliver_once() == 0  # dead stays dead
        assert len(http_server.requests) == 3
        assert await stack.count("notification", "outbox", event_type="notification.failed") == 1
        assert await stack.count("notification", "outbox", event_type="notification.sent") == 0


@pytest.mark.parametrize(("status", "state"), [(400, "dead"), (429, "pending"), (408, "pending")])
async def test_a_refusal_is_final_but_throttling_is_retried(
    stack_factory, http_server, status: int, state: str
) -> None:
    http_server.status = status
    async with stack_factory(**ONLY) as stack:
        app = stack.apps["notification"]
        clock = FakeClock(datetime(2026, 12, 8, tzinfo=UTC))
        deliverer = Deliverer(
            kernel_of(app).database,
            # The test server is plain http on loopback: allowed explicitly.
            {"webhook": WebhookChannel(SECRET, allow_private=True, https_only=False)},
            kernel_of(app).outbox,
            clock,
            max_attempts=5,
        )
        case_id = await queue_notice(
            app,
            clock,
            audience="official",
            channel="webhook",
            recipient=f"{http_server.url}/hook",
            template="deadline_warning",
            language="vi",
            context={
                "tracking_code": "ABC234",
                "case_kind": "petition",
                "step": "forward",
                "unit_code": "06427",
                "due_on": "2026-12-10",
                "basis": "Điều 28",
                "working_days_left": 1,
                "recipient_unit": "06427",
            },
        )
        assert await deliverer.deliver_once() == 1
        row = await notice(app, case_id)
        assert (row.state, row.attempts) == (state, 1)
        assert verifies(SECRET, http_server.requests[0])


class HeldChannel:
    """An SMS channel that holds the first text to `held` until a text to `other` has gone:
    a deliverer that sends one case at a time never gets there."""

    name = "sms"

    def __init__(self, held: str, other: str) -> None:
        self.held, self.other = held, other
        self.other_sent = asyncio.Event()
        self.holding = False
        self.sent: list[tuple[str, str]] = []

    async def send(self, message: Message) -> None:
        if message.recipient == self.held and not self.holding:
            self.holding = True  # this one only: a second text to `held` is not held
            await asyncio.wait_for(self.other_sent.wait(), timeout=10)
        self.sent.append((message.recipient, message.sms))
        if message.recipient == self.other:
            self.other_sent.set()

    async def close(self) -> None:
        pass


async def test_cases_are_sent_side_by_side_and_each_cases_texts_in_order(stack_factory) -> None:
    """One claim's cases go out side by side (a slow send holds up no other case); each case's
    texts one after the other, in the order of the steps they tell."""
    async with stack_factory(**ONLY) as stack:
        app = stack.apps["notification"]
        # The test drives the deliverer (the service's workers are off: conftest.py).
        clock = FakeClock(datetime(2030, 1, 7, tzinfo=UTC))
        first, second = "+84900000001", "+84900000002"
        channel = HeldChannel(held=first, other=second)
        deliverer = Deliverer(
            kernel_of(app).database, {"sms": channel}, kernel_of(app).outbox, clock
        )
        for phone in (first, second):
            case_id = uuid.uuid4()
            for step in ("N1", "N2"):  # due in this order: first's two, then second's
                clock.at += timedelta(seconds=1)
                async with kernel_of(app).database.transaction() as session:
                    await queue(
                        session,
                        case_id=case_id,
                        audience="citizen",
                        channel="sms",
                        recipient=phone,
                        template="case_status",
                        language="vi",
                        context={"tracking_code": step, "status": "accepted", "note": ""}
                        | {"confidential": False},
                        cause=f"test:{step}",
                        now=clock(),
                    )
        assert await deliverer.deliver_once() == 4
        for phone in (first, second):
            steps = [re.findall(r"\bN[12]\b", text)[0] for to, text in channel.sent if to == phone]
            assert steps == ["N1", "N2"]
        assert channel.sent[0][0] == second  # the held case did not hold the other
