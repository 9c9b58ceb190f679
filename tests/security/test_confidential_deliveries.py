"""Issue 11, item 7: the delivery log names no citizen's address, and a denunciation's notices
to the citizen are not in the log supervisors read.

A real SMTP server (aiosmtpd on a loopback port) refuses the citizen's address, as a relay
does, with the address in its answer; delivery resolves the address through intake's internal
API (intake's own app, in process). Officials, supervisors and admins then read the log.
"""

from __future__ import annotations

import random
import socket
import string
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from services.notification.channels.email import SmtpChannel
from services.notification.notices.contacts import ContactResolver
from services.notification.notices.delivery import Deliverer, scrub
from services.notification.notices.models import Notification
from shared.auth import Role
from tests.conftest import StackFactory, without_notification_workers
from tests.notification.support import FakeClock
from tests.support.stack import Stack, kernel_of, wait_until

PETITION = {
    "kind": "petition",
    "title": "Đề nghị sửa cầu treo bản Nà Hin",
    "description": "Cầu treo xuống cấp, người dân đi lại nguy hiểm.",
    "location": {"unit_code": "06427"},
}
DENUNCIATION = {
    "kind": "denunciation",
    "title": "Tố cáo cán bộ địa chính nhận tiền",
    "description": "Cán bộ địa chính xã nhận tiền khi làm sổ đỏ cho dân.",
    "location": {"unit_code": "06427"},
    "target": {"unit_code": "06427", "person": "Cán bộ địa chính xã"},
}


@pytest.fixture
def stack_factory(stack_factory: StackFactory) -> StackFactory:
    """The test delivers itself, to its own SMTP server."""
    return without_notification_workers(stack_factory)


class Refusing:
    """An SMTP relay that knows no one: every recipient refused, named in the answer."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:  # fmt: skip
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"


@pytest.fixture
def relay() -> Iterator[Controller]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    yield controller
    controller.stop()


def an_email() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=10)) + "@example.vn"


def deliverer(stack: Stack, relay: Controller) -> Deliverer:
    app = stack.apps["notification"]
    token = stack.settings["intake"].internal_token.get_secret_value()
    return Deliverer(
        kernel_of(app).database,
        {"email": SmtpChannel("127.0.0.1", relay.port, "tiepdan@test", timeout=5)},
        kernel_of(app).outbox,
        FakeClock(datetime.now(UTC) + timedelta(minutes=1)),
        resolver=ContactResolver(
            "http://intake/internal/v1/contacts", token, client=stack["intake"]
        ),
    )


async def citizen_notices(stack: Stack, case_id: str, count: int) -> list[Notification]:
    async def queued() -> list[Notification] | None:
        async with stack.database("notification").sessions() as session:
            rows = list(
                (
                    await session.execute(
                        select(Notification).where(
                            Notification.case_id == uuid.UUID(case_id),
                            Notification.audience == "citizen",
                        )
                    )
                ).scalars()
            )
        return rows if len(rows) >= count else None

    return await wait_until(queued, what=f"{count} notices to the citizen", within=30)


async def delivery_log(stack: Stack, case_id: str, role: Role, unit: str | None) -> Any:
    answer = await stack["notification"].get(
        "/v1/notifications",
        params={"case_id": case_id},
        headers=stack.auth(role=role, unit=unit, sub=f"{role.value}-reader"),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def test_a_refused_address_is_not_stored_nor_served(stack: Stack, relay: Controller) -> None:
    email = an_email()
    submitter = {"full_name": "Hoàng Thị Mai", "email": email, "notify_by": "email"}
    created = await stack.submit(**PETITION, submitter=submitter)
    case_id = created["id"]
    await citizen_notices(stack, case_id, 2)  # received, routed
    assert await deliverer(stack, relay).deliver_once() >= 2
    rows = await citizen_notices(stack, case_id, 2)
    assert {r.state for r in rows} == {"dead"}  # refused: retrying cannot help
    stored = [r.last_error or "" for r in rows]
    assert all("refused" in e for e in stored), stored  # still says what went wrong
    assert not any(email in e or "@" in e for e in stored), stored
    for role, unit in ((Role.official, "06427"), (Role.supervisor, "06427"), (Role.admin, None)):
        items = await delivery_log(stack, case_id, role, unit)
        errors = [i["last_error"] for i in items if i["audience"] == "citizen"]
        assert errors and all(e and "@" not in e for e in errors), (role, errors)


async def test_a_denunciations_notices_to_the_denouncer_are_withheld_from_supervisors(
    stack: Stack, relay: Controller
) -> None:
    email = an_email()
    submitter = {"full_name": "Nguyễn Văn Bình", "email": email, "notify_by": "email"}
    created = await stack.submit(**DENUNCIATION, submitter=submitter)
    case_id = created["id"]
    await citizen_notices(stack, case_id, 2)
    await deliverer(stack, relay).deliver_once()
    official = await delivery_log(stack, case_id, Role.official, "06427")
    assert [i["audience"] for i in official].count("citizen") == 2  # handled, and logged
    for unit in ("06427", "20"):
        board = await delivery_log(stack, case_id, Role.supervisor, unit)
        assert [i for i in board if i["audience"] == "citizen"] == [], board
        assert email not in str(board)


@pytest.mark.parametrize(
    "error",
    [
        "SMTPRecipientsRefused: [SMTPRecipientRefused(550, '<an.nguyen@example.vn> unknown')]",
        "gateway said: 0912345678 is not a subscriber",
        "gateway said: +84 912 345 678 is not a subscriber",
        "gateway said: 0912-345-678 is not a subscriber",
        "SMS refused: 84912345678",
    ],
)
def test_stored_errors_name_no_address(error: str) -> None:
    cleaned = scrub(error, "an.nguyen@example.vn")
    assert "@" not in cleaned
    assert not any(n in cleaned.replace(" ", "").replace("-", "") for n in ("912345678",))
    assert cleaned.split(":")[0] == error.split(":")[0]  # what failed is still said


def test_the_recipient_is_scrubbed_whatever_its_form() -> None:
    assert "Mai.Hoang" not in scrub("550 <Mai.Hoang@Example.VN> refused", "Mai.Hoang@Example.VN")
    # An official's error text keeps what helps: the server, the status, the port.
    kept = "ConnectionRefusedError: Connect call failed ('10.0.12.7', 587); HTTP 503"
    assert scrub(kept, "tiep-dan@caikinh.gov.vn") == kept
