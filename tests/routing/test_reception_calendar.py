"""Units publish reception sessions; a case (a dialogue request) is booked into one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from shared.auth import Role
from tests.support.routing_workflow import outbox_events, routed_case, step
from tests.support.stack import Stack

SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
SESSION = {
    "starts_at": SOON.isoformat(),
    "ends_at": (SOON + timedelta(hours=4)).isoformat(),
    "place": "Phòng tiếp công dân UBND xã",
    "host": "Chủ tịch UBND xã",
    "capacity": 1,
}
DIALOGUE_REQUEST = {
    "kind": "dialogue_request",
    "title": "Xin gặp Chủ tịch xã về đường liên thôn",
    "description": "Đề nghị được gặp trực tiếp để trình bày việc làm đường.",
    "submitter": {"full_name": "Hoàng Văn Cường", "phone": "0901234567"},
    "dialogue": {"topic": "Đường liên thôn", "preferred_dates": [SOON.date().isoformat()]},
}


async def test_a_unit_publishes_sessions_and_cases_take_the_seats(stack: Stack) -> None:
    path = "/v1/units/06427/reception-sessions"
    post = stack["routing"].post
    supervisor = stack.auth(role=Role.supervisor, unit="06427")
    assert (await post(path, json=SESSION, headers=supervisor)).status_code == 403
    assert (await post(path, json=SESSION, headers=stack.auth(unit="00070"))).status_code == 403
    past = SESSION | {
        "starts_at": "2020-01-01T08:00:00+07:00",
        "ends_at": "2020-01-01T11:00:00+07:00",
    }
    assert (await post(path, json=past, headers=stack.auth(unit="06427"))).status_code == 422
    created = await post(path, json=SESSION, headers=stack.auth(unit="06427"))
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    calendar = (await stack["routing"].get(path)).json()["items"]  # public
    assert [(s["id"], s["available"]) for s in calendar] == [(session_id, 1)]

    first = await routed_case(stack, **DIALOGUE_REQUEST)
    second = await routed_case(stack, **DIALOGUE_REQUEST)
    booking = {"reception_session_id": session_id}
    # Both at once for the last seat: one gets it.
    answers = await asyncio.gather(
        step(stack, first["id"], "dialogues", booking),
        step(stack, second["id"], "dialogues", booking),
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    winner = next(a for a in answers if a.status_code == 200).json()
    event = (await outbox_events(stack, winner["case_id"]))[-1]
    assert event.type == "case.dialogue_scheduled"
    assert (event.data["session"], event.data["place"]) == ("reception", SESSION["place"])
    assert event.data["starts_at"].startswith(SOON.strftime("%Y-%m-%dT%H:%M"))
    calendar = (await stack["routing"].get(path)).json()["items"]
    assert (calendar[0]["booked"], calendar[0]["available"]) == (1, 0)

    both = await step(stack, first["id"], "dialogues", booking | {"place": "elsewhere"})
    assert both.status_code == 422
    # Another unit's session is not this case's to book.
    other = await post(
        "/v1/units/06364/reception-sessions", json=SESSION, headers=stack.auth(unit="20")
    )
    assert other.status_code == 201
    elsewhere = await step(
        stack, first["id"], "dialogues", {"reception_session_id": other.json()["id"]}
    )
    assert elsewhere.status_code == 422
    assert elsewhere.json()["errors"][0]["loc"] == ["reception_session_id"]
