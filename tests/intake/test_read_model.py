"""The citizen's view follows every unit step and deadline, whatever order the events
arrive in and however often."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import timedelta
from typing import Any

import pytest

from services.intake.cases.handlers import on_deadline_set, on_unit_step
from shared.events import Envelope
from tests.support.intake_events import deadline, now, publish, resolved, routed, step
from tests.support.stack import Stack, wait_until


async def test_shuffled_and_duplicated_events_give_the_same_view(intake: Stack) -> None:
    created = await intake.submit(publish_consent=True)
    case_id, code = created["id"], created["tracking_code"]
    t = now() + timedelta(seconds=1)
    answer = uuid.uuid4()
    events = [
        routed(case_id, t, unit_code="06427", name="UBND Xã Cai Kinh"),
        deadline(case_id, t, deadline_id=answer),
        step(
            "case.accepted",
            case_id,
            at=t + timedelta(minutes=1),
            status="accepted",
            accepted_on=t.date().isoformat(),
            public_note="Đã thụ lý",
        ),
        step(
            "case.assigned",
            case_id,
            at=t + timedelta(minutes=2),
            status="accepted",
            assignee="chuyen-vien-1",
        ),
        step(
            "case.transferred",
            case_id,
            at=t + timedelta(minutes=3),
            status="routed",
            unit_code="20",
            from_unit_code="06427",
            unit_name="UBND tỉnh Lạng Sơn",
            reason="thẩm quyền của tỉnh",
            public_note="Chuyển UBND tỉnh Lạng Sơn",
        ),
        step(
            "case.info_requested",
            case_id,
            at=t + timedelta(minutes=4),
            status="info_requested",
            unit_code="20",
            question="Ảnh chụp?",
            public_note="Xin bổ sung ảnh",
        ),
        step(
            "case.message_added",
            case_id,
            at=t + timedelta(minutes=4),
            status="x",
            message_id=str(uuid.uuid4()),
            author="official",
            visibility="citizen",
            text="Xin gửi thêm ảnh cột đèn.",
            actor="can-bo",
        ),
        step(
            "case.message_added",
            case_id,
            at=t + timedelta(minutes=4),
            status="x",
            message_id=str(uuid.uuid4()),
            author="official",
            visibility="internal",
            text=None,
            actor="can-bo",
        ),
        resolved(case_id, t + timedelta(minutes=5), unit_code="20"),
        deadline(case_id, t + timedelta(minutes=5), deadline_id=answer, state="met"),
    ]
    shuffled = events * 2
    random.Random(7).shuffle(shuffled)
    await publish(intake, *shuffled)

    headers = {"X-Case-Token": created["access_token"]}

    async def settled() -> dict[str, Any] | None:
        view: dict[str, Any] = (
            await intake["intake"].get(f"/v1/cases/{code}", headers=headers)
        ).json()
        done = (
            view["status"] == "resolved"
            and [d["state"] for d in view["deadlines"]] == ["met"]
            and len(view["timeline"]) == 6
            and view["messages"]
            and view["unit"]["code"] == "20"
        )
        return view if done else None

    view = await wait_until(settled, what="every event applied")
    assert view["unit"] == {"code": "20", "name": "UBND tỉnh Lạng Sơn"}
    assert [s["step"] for s in view["timeline"]] == [
        "received",
        "routed",
        "accepted",
        "transferred",
        "info_requested",
        "resolved",
    ]  # the assignment is internal: no public note, no timeline entry
    assert view["timeline"][3]["note"] == "Chuyển UBND tỉnh Lạng Sơn"
    assert [m["text"] for m in view["messages"]] == ["Xin gửi thêm ảnh cột đèn."]
    assert view["resolution"]["summary"] == "Đã sửa xong đèn đường."

    public = (await intake["intake"].get(f"/v1/cases/{code}")).json()
    assert public["resolution"]["decision_ref"] == "QĐ-12/2026"  # published, and consented
    assert public["submitter"] is None and public["messages"] is None
    assert public["title"] is None and public["description"] is None
    # Duplicates were dropped: one timeline row per event, one deadline row.
    assert await intake.count("intake", "case_timeline") == 6
    assert await intake.count("intake", "case_deadlines") == 1


async def test_an_older_event_never_overwrites_a_newer_status(intake: Stack) -> None:
    created = await intake.submit()
    case_id, code = created["id"], created["tracking_code"]
    t = now() + timedelta(seconds=1)
    await publish(
        intake,
        step("case.closed", case_id, at=t + timedelta(hours=1), status="closed"),
        routed(case_id, t),
    )

    async def both() -> dict[str, Any] | None:
        view: dict[str, Any] = (await intake["intake"].get(f"/v1/cases/{code}")).json()
        return view if len(view["timeline"]) == 3 else None

    view = await wait_until(both, what="both events applied")
    assert view["status"] == "closed"
    assert view["unit"]["code"] == "06427"  # the late routing still names the unit


async def test_no_resolution_is_public_without_the_citizens_consent(intake: Stack) -> None:
    created = await intake.submit(publish_consent=False)
    t = now() + timedelta(seconds=1)
    await publish(intake, routed(created["id"], t), resolved(created["id"], t, publish=True))
    path = f"/v1/cases/{created['tracking_code']}"

    async def done() -> dict[str, Any] | None:
        view: dict[str, Any] = (await intake["intake"].get(path)).json()
        return view if view["status"] == "resolved" else None

    assert (await wait_until(done, what="resolved"))["resolution"] is None
    full = await intake["intake"].get(path, headers={"X-Case-Token": created["access_token"]})
    assert full.json()["resolution"]["summary"]  # the citizen always sees their own answer


async def test_each_field_keeps_the_newest_event_that_set_it(intake: Stack) -> None:
    """The events in the wrong order, one by one (one partition): the newer first, then the
    older ones, which must leave every field as the newer set it."""
    created = await intake.submit()
    case_id, code = created["id"], created["tracking_code"]
    t = now() + timedelta(seconds=1)
    older_answer, newer_answer = t.date(), t.date() + timedelta(days=1)
    await publish(
        intake,
        step(
            "case.transferred",
            case_id,
            at=t + timedelta(minutes=3),
            status="routed",
            unit_code="20",
            from_unit_code="06427",
            unit_name="UBND tỉnh Lạng Sơn",
            reason="thẩm quyền của tỉnh",
            remote_area=True,
        ),
        step(
            "case.reclassified",
            case_id,
            at=t + timedelta(minutes=4),
            kind="petition",
            status="routed",
            unit_code="20",
            from_kind="feedback",
            reason="là kiến nghị",
        ),
        step(
            "case.decision_delivered",
            case_id,
            at=t + timedelta(minutes=7),
            status="resolved",
            unit_code="20",
            received_on=(newer_answer + timedelta(days=2)).isoformat(),
            how="post",
        ),
        resolved(case_id, t + timedelta(minutes=6), unit_code="20", on=newer_answer),
        # Older, each of them: none may overwrite what the newer ones set.
        resolved(case_id, t + timedelta(minutes=5), unit_code="20", on=older_answer),
        step(
            "case.reclassified",
            case_id,
            at=t + timedelta(minutes=2),
            kind="complaint",
            status="routed",
            from_kind="feedback",
            reason="là khiếu nại",
        ),
        step("case.accepted", case_id, at=t + timedelta(minutes=1), status="accepted"),
        routed(case_id, t),
    )
    headers = {"X-Case-Token": created["access_token"]}

    async def settled() -> dict[str, Any] | None:
        view: dict[str, Any] = (
            await intake["intake"].get(f"/v1/cases/{code}", headers=headers)
        ).json()
        return view if len(view["timeline"]) == 9 else None

    view = await wait_until(settled, what="every event applied")
    assert view["status"] == "resolved"
    assert view["kind"] == "petition"
    assert view["unit"] == {"code": "20", "name": "UBND tỉnh Lạng Sơn"}
    assert view["resolution"] == {
        "summary": "Đã sửa xong đèn đường.",
        "decision_ref": "QĐ-12/2026",
        "resolved_on": newer_answer.isoformat(),
        "received_on": (newer_answer + timedelta(days=2)).isoformat(),  # delivered before
    }
    # The transfer's remote area stays, and the unit's time is the transfer's.
    case = uuid.UUID(case_id)
    assert await intake.count("intake", "cases", id=case, remote_area=True) == 1
    assert await intake.count("intake", "cases", id=case, unit_at=t + timedelta(minutes=3)) == 1
    assert await intake.count("intake", "cases", id=case, resolved_on=newer_answer) == 1


async def test_a_deadline_of_an_unknown_case_is_refused(intake: Stack) -> None:
    """Refused (the consumer retries it, then dead-letters it), never kept as an orphan."""
    event = deadline(str(uuid.uuid4()), now(), deadline_id=uuid.uuid4())
    with pytest.raises(LookupError):
        async with intake.database("intake").transaction() as session:
            await on_deadline_set(session, event, object())
    assert await intake.count("intake", "case_deadlines", case_id=event.case_id) == 0


async def test_a_step_of_an_unknown_case_is_refused_and_writes_nothing(intake: Stack) -> None:
    event = routed(str(uuid.uuid4()), now(), unit_code="06427", name="UBND Xã Cai Kinh")
    with pytest.raises(LookupError):
        async with intake.database("intake").transaction() as session:
            await on_unit_step(session, event, object())
    assert await intake.count("intake", "case_timeline", case_id=event.case_id) == 0


async def test_a_step_handled_again_keeps_one_timeline_row(intake: Stack) -> None:
    """As when a replica dies after its commit and before its offsets: the step's event is
    handled again under another delivery, and the citizen still sees it once."""
    created = await intake.submit()
    event = routed(created["id"], now() + timedelta(seconds=1), unit_code="06427", name="X")
    for _ in range(2):
        async with intake.database("intake").transaction() as session:
            await on_unit_step(session, event, object())
    assert await intake.count("intake", "case_timeline", event_id=event.id) == 1
    assert await intake.count("intake", "case_timeline", case_id=uuid.UUID(created["id"])) == 2


async def test_two_events_of_one_deadline_at_once_leave_the_newer(intake: Stack) -> None:
    """Two transactions set one deadline at once (a rebalance hands its partition over): the
    second waits for the first, whichever inserted the row, and the newer event wins."""
    case_id = (await intake.submit())["id"]
    t, deadline_id = now(), uuid.uuid4()
    database = intake.database("intake")

    async def handle(event: Envelope) -> None:
        async with database.transaction() as session:
            await on_deadline_set(session, event, object())

    async with database.transaction() as first:
        await on_deadline_set(first, deadline(case_id, t, deadline_id=deadline_id), object())
        met = deadline(case_id, t + timedelta(minutes=1), deadline_id=deadline_id, state="met")
        second = asyncio.create_task(handle(met))
        if intake.mode == "production":  # SQLite's writers wait at BEGIN: nothing to see
            await wait_until(
                lambda: intake.waits_for_a_lock("intake"),
                what="the second transaction waiting for the first",
            )
    await second
    assert await intake.count("intake", "case_deadlines", id=deadline_id, state="met") == 1
