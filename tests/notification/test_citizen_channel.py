"""The citizen's channel and language, end to end: chosen at intake, told at every public step.

intake records `notify_by` and `language`; notification keeps them on the tracked case and
queues each notice on that channel; delivery resolves the phone through intake's internal API
(intake's own app, in process) and posts to an SMS gateway (a real loopback HTTP server).
"""

from __future__ import annotations

import json
import random
import string
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from services.notification.channels.http import SmsChannel
from services.notification.notices.contacts import ContactResolver
from services.notification.notices.delivery import Deliverer
from services.notification.notices.models import Notification
from tests.notification.support import FakeClock
from tests.routing.test_workflow_machine import COMPLAINT
from tests.support.http_server import HttpServer
from tests.support.routing_workflow import outbox_events, step
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


def a_phone() -> str:
    return "09" + "".join(random.choices(string.digits, k=8))  # intake limits cases per contact


def deliverer(stack: Stack, gateway: HttpServer) -> Deliverer:
    app = stack.apps["notification"]
    token = stack.settings["intake"].internal_token.get_secret_value()
    return Deliverer(
        kernel_of(app).database,
        {"sms": SmsChannel(f"{gateway.url}/sms")},
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


async def texts(gateway: HttpServer, sender: Deliverer, count: int) -> list[dict[str, Any]]:
    async def sent() -> list[dict[str, Any]] | None:
        await sender.deliver_once()
        return (
            [json.loads(r.body) for r in gateway.requests]
            if len(gateway.requests) >= count
            else None
        )

    return await wait_until(sent, what=f"{count} SMS at the gateway", within=30)


async def test_a_petition_by_sms_in_english_tells_every_public_step(
    stack: Stack, http_server: HttpServer
) -> None:
    phone = a_phone()
    submitter = {"full_name": "Hoàng Thị Mai", "phone": phone, "notify_by": "sms", "language": "en"}
    created = await stack.submit(**PETITION, submitter=submitter)
    case_id, code = created["id"], created["tracking_code"]
    await citizen_notices(stack, case_id, 2)  # received, routed
    for name, body in (("accept", {"note": "ok"}), ("resolve", {"summary": "Đã sửa cầu"})):
        answer = await step(stack, case_id, name, body)
        assert answer.status_code == 200, answer.text
    notices = await citizen_notices(stack, case_id, 4)
    assert {(n.channel, n.language) for n in notices} == {("sms", "en")}

    sms = await texts(http_server, deliverer(stack, http_server), 4)
    assert {m["to"] for m in sms} == {phone}
    assert sorted(m["text"] for m in sms) == sorted(
        f"tiepdan: case {code} {label}."
        for label in (
            "has been received",
            "has been sent to the competent authority",
            "has been accepted for handling",
            "has been resolved",
        )
    )


async def test_a_denunciation_by_sms_carries_only_the_tracking_code(
    stack: Stack, http_server: HttpServer
) -> None:
    submitter = {"full_name": "Nguyễn Văn Bình", "phone": a_phone(), "notify_by": "sms"}
    created = await stack.submit(**DENUNCIATION, submitter=submitter)
    await citizen_notices(stack, created["id"], 2)  # received, routed
    sms = await texts(http_server, deliverer(stack, http_server), 2)
    code = created["tracking_code"]
    assert [m["text"] for m in sms] == [f"tiepdan: ho so {code} co cap nhat moi."] * 2


async def test_the_default_channel_follows_the_contact_given(stack: Stack) -> None:
    by_mail = await stack.submit(
        **PETITION,
        submitter={"full_name": "Lò Văn Tú", "phone": a_phone(), "email": "tu@example.vn"},
    )
    by_phone = await stack.submit(
        **PETITION, submitter={"full_name": "Lò Văn Tú", "phone": a_phone()}
    )
    silent = await stack.submit(
        **PETITION, submitter={"full_name": "Lò Văn Tú", "phone": a_phone(), "notify_by": "none"}
    )
    mail = (await citizen_notices(stack, by_mail["id"], 1))[0]
    text = (await citizen_notices(stack, by_phone["id"], 1))[0]
    assert (mail.channel, mail.language, text.channel) == ("email", "vi", "sms")
    await stack.wait_routed(silent["tracking_code"])
    [routed] = [e for e in await outbox_events(stack, silent["id"]) if e.type == "case.routed"]

    prefix = stack.settings["notification"].kafka_group_prefix

    async def told() -> bool:  # the notices' consumer has handled the routing
        processed = await stack.count(
            "notification", "processed_events", consumer=f"{prefix}notification.notices",
            event_id=routed.id,
        )  # fmt: skip
        return processed == 1

    await wait_until(told, what="notification handling the silent case's routing")
    silent_id = uuid.UUID(silent["id"])
    assert (
        await stack.count("notification", "notifications", case_id=silent_id, audience="citizen")
        == 0
    )


async def test_sms_without_a_phone_is_refused_naming_the_field(stack: Stack) -> None:
    # ... and the OpenAPI document says so.
    for notify_by, contact in (
        ("sms", {"email": "an@example.vn"}),
        ("email", {"phone": a_phone()}),
    ):
        answer = await stack["intake"].post(
            "/v1/cases",
            json={**PETITION, "submitter": {"full_name": "An", "notify_by": notify_by, **contact}},
        )
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        [error] = answer.json()["errors"]
        assert error["loc"][-2:] == ["submitter", "notify_by"]
    assert await stack.count("intake", "cases") == 0
    assert await stack.count("intake", "outbox") == 0
    schema = (await stack["intake"].get("/openapi.json")).json()["components"]["schemas"]
    fields = schema["SubmitterIn"]["properties"]
    assert "`sms` needs `phone`" in fields["notify_by"]["description"]
    assert fields["language"]["default"] == "vi"


async def test_an_appeals_second_time_complaint_tells_the_same_citizen(stack: Stack) -> None:
    submitter = {"full_name": "Nguyễn Văn An", "phone": a_phone(), "notify_by": "sms",
                 "language": "en"}  # fmt: skip
    created = await stack.submit(**(COMPLAINT | {"submitter": submitter}))
    case_id, code = created["id"], created["tracking_code"]
    first = await citizen_notices(stack, case_id, 2)  # received, routed
    decision = {"summary": "Giữ nguyên quyết định", "decision_ref": "45/QĐ-UBND"}
    for name, body in (("accept", {"note": "ok"}), ("resolve", decision)):
        answer = await step(stack, case_id, name, body)
        assert answer.status_code == 200, answer.text
    token = {"X-Case-Token": created["access_token"]}

    async def resolved_for_the_citizen() -> bool:
        view = await stack["intake"].get(f"/v1/cases/{code}", headers=token)
        return bool(view.json()["status"] == "resolved")

    await wait_until(resolved_for_the_citizen, what="the decision in intake's view")
    appealed = await stack["intake"].post(
        f"/v1/cases/{code}/appeal", json={"reason": "Không đồng ý"}, headers=token
    )
    assert appealed.status_code == 201, appealed.text
    # No case.submitted for the second-time complaint: its routing names the first case.
    [routed] = await citizen_notices(stack, appealed.json()["new_case_id"], 1)
    assert (routed.channel, routed.language, routed.recipient) == (
        "sms", "en", first[0].recipient,
    )  # fmt: skip
    assert routed.context["tracking_code"] == appealed.json()["new_tracking_code"]


async def test_a_claim_of_notices_asks_intake_once_for_all_its_citizens(
    stack: Stack, http_server: HttpServer
) -> None:
    phones = {}  # case id -> its citizen's phone
    for _ in range(3):
        phone = a_phone()
        created = await stack.submit(**PETITION, submitter={"full_name": "An", "phone": phone})
        phones[created["id"]] = phone
    for case_id in phones:
        await citizen_notices(stack, case_id, 2)  # received, routed
    asked: list[str] = []

    async def count(request: httpx.Request) -> None:
        asked.append(f"{request.method} {request.url.path}")

    intake = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=stack.apps["intake"]),
        base_url="http://intake",
        event_hooks={"request": [count]},
    )
    sender = deliverer(stack, http_server)
    token = stack.settings["intake"].internal_token.get_secret_value()
    sender.resolver = ContactResolver("http://intake/internal/v1/contacts", token, client=intake)
    async with intake:
        assert await sender.deliver_once() == 6  # one claim: the six notices, all due
    assert asked == ["POST /internal/v1/contacts"]  # one request for the three citizens
    sent = [json.loads(r.body) for r in http_server.requests]
    assert sorted(m["to"] for m in sent) == sorted([*phones.values()] * 2)
    # Each citizen's address read once for the claim, and logged once.
    assert await stack.count("intake", "submitter_reads", actor="system:notification") == 3


async def test_an_intake_that_cannot_answer_at_once_is_asked_one_reference_at_a_time(
    stack: Stack, http_server: HttpServer
) -> None:
    # An intake from before the look-up of several references (a rolling upgrade) answers
    # the POST 405: each notice then asks on its own, and is told what went wrong.
    created = await stack.submit(**PETITION, submitter={"full_name": "An", "phone": a_phone()})
    await citizen_notices(stack, created["id"], 2)
    http_server.status = 405
    sender = deliverer(stack, http_server)
    sender.resolver = ContactResolver(f"{http_server.url}/internal/v1/contacts")
    assert await sender.deliver_once() == 2
    asked = [(r.method, r.path.rsplit("/", 1)[0]) for r in http_server.requests]
    assert asked == [
        ("POST", "/internal/v1"),
        ("GET", "/internal/v1/contacts"),
        ("GET", "/internal/v1/contacts"),
    ]
    notices = await citizen_notices(stack, created["id"], 2)
    assert {(n.state, n.attempts) for n in notices} == {("pending", 1)}
    assert all("405" in (n.last_error or "") for n in notices)
