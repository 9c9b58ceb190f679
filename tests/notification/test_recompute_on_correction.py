"""Correcting the calendar or a policy moves the running deadlines it changes, each move in the
deadline's history with its cause and announced again; a dry run lists them and changes nothing.

   January 2027            February 2027
 Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su
              1  2  3     1  2  3  4  5  6  7
  4  5  6  7  8  9 10     8  9 10 11 12 13 14
 11 12 13 14 15 16 17    15 16 17 18 19 20 21
 18 19 20 21 22 23 24    22 23 24 25 26 27 28
 25 26 27 28 29 30 31
Tết 2027 (holidays.VN): off Thu 4 - Wed 10 Feb. The official schedule entered in January adds
Wed 3 Feb as a day off.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from shared.auth import Role
from shared.events import CASE_ROUTED, CaseRouted
from tests.notification.support import Driver, FakeClock, local, step

ONLY = {"services": ("notification",)}
ADMIN: dict[str, Any] = {"role": Role.admin, "unit": None}
TET = {"working": False, "reason": "Thông báo lịch nghỉ Tết Đinh Mùi 2027"}


async def received(stack: Any, kind: str, on: date) -> Driver:
    drive = Driver(stack.apps["notification"], FakeClock(datetime(2027, 1, 4, tzinfo=UTC)))
    routed = CaseRouted(**step(kind), received_at=local(on), unit_name="UBND", rule="r", reason="r")
    await drive.send(CASE_ROUTED, routed, on=on)
    return drive


async def deadline_sets(stack: Any) -> int:
    return await stack.count("notification", "outbox", event_type="deadline.set")


async def test_an_official_tet_schedule_moves_the_deadlines_running_across_it(
    stack_factory,
) -> None:
    async with stack_factory(**ONLY) as stack:
        client, admin = stack["notification"], stack.auth(**ADMIN)
        # Tiếp công dân Điều 28, 10 working days. Received Fri 29 Jan: 1, 2, 3 | 11, 12 |
        # 15..19 -> Fri 19 Feb; with 3 Feb off -> Mon 22 Feb.
        across = await received(stack, "petition", date(2027, 1, 29))
        # Received Mon 18 Jan: 19..22 | 25..29 | 1 Feb -> Mon 1 Feb, before the day: unmoved.
        before = await received(stack, "petition", date(2027, 1, 18))
        # Khiếu nại Điều 27 (as amended), received Mon 15 Feb: starts after the day: unmoved.
        after = await received(stack, "complaint", date(2027, 2, 15))
        assert (await across.deadlines())["answer@0"].due_on == date(2027, 2, 19)
        sets = await deadline_sets(stack)

        dry = await client.put(
            "/v1/calendar/overrides/2027-02-03", params={"dry_run": "true"}, headers=admin, json=TET
        )
        assert dry.status_code == 200, dry.text
        assert dry.json()["dry_run"] is True
        [would] = dry.json()["moved"]
        assert (would["case_id"], would["step"]) == (str(across.case_id), "answer")
        assert (would["due_on_before"], would["due_on_after"]) == ("2027-02-19", "2027-02-22")
        # Nothing changed: the deadline, the calendar, the announcements.
        assert (await across.deadlines())["answer@0"].due_on == date(2027, 2, 19)
        day = await client.get(
            "/v1/calendar/working-days", params={"from": "2027-02-03", "to": "2027-02-03"}
        )
        assert day.json()["items"][0]["working"] is True
        assert await deadline_sets(stack) == sets

        applied = await client.put("/v1/calendar/overrides/2027-02-03", headers=admin, json=TET)
        assert applied.status_code == 200, applied.text
        assert [m["due_on_after"] for m in applied.json()["moved"]] == ["2027-02-22"]
        assert (await across.deadlines())["answer@0"].due_on == date(2027, 2, 22)
        assert (await before.deadlines())["answer@0"].due_on == date(2027, 2, 1)
        assert (await after.deadlines())["accept@0"].due_on == date(2027, 2, 24)
        assert await deadline_sets(stack) == sets + 1  # re-announced: queues and views follow
        body = (await client.get(f"/v1/cases/{across.case_id}/deadlines", headers=admin)).json()
        # (The history is ordered by time; the test's clocks for the events run in 2027.)
        [last] = [h for h in body["items"][0]["history"] if h["change"] == "recomputed"]
        assert "2027-02-03" in last["reason"]
        assert "Tết" in last["reason"] and last["due_at"].startswith("2027-02-22")


async def test_a_corrected_policy_moves_the_clocks_running_under_it(stack_factory) -> None:
    async with stack_factory(**ONLY) as stack:
        client, admin = stack["notification"], stack.auth(**ADMIN)
        first = await received(stack, "petition", date(2027, 1, 18))
        second = await received(stack, "feedback", date(2027, 1, 29))
        policies = (await client.get("/v1/policies")).json()["items"]
        target = next(p for p in policies if p["id"] == "reception.answer.2013")
        corrected = {**{k: v for k, v in target.items() if k != "overridden"}, "duration": 12}
        body = {"policy": corrected, "reason": "Công báo: 12 ngày làm việc (thử)"}
        path = "/v1/policies/reception.answer.2013"
        dry = await client.put(path, params={"dry_run": "true"}, headers=admin, json=body)
        assert dry.status_code == 200, dry.text
        # 12 working days. From Mon 18 Jan: .. 1, 2, 3 Feb -> Wed 3 Feb. From Fri 29 Jan:
        # 1, 2, 3 | 11, 12 | 15..19 | 22, 23 -> Tue 23 Feb.
        assert sorted((m["case_id"], m["due_on_after"]) for m in dry.json()["moved"]) == sorted(
            [(str(first.case_id), "2027-02-03"), (str(second.case_id), "2027-02-23")]
        )
        assert (await first.deadlines())["answer@0"].due_on == date(2027, 2, 1)
        listed = {p["id"]: p for p in (await client.get("/v1/policies")).json()["items"]}
        assert listed["reception.answer.2013"]["duration"] == 10  # not stored

        assert (await client.put(path, headers=admin, json=body)).status_code == 200
        assert (await first.deadlines())["answer@0"].due_on == date(2027, 2, 3)
        assert (await second.deadlines())["answer@0"].due_on == date(2027, 2, 23)
        # Reverting the correction moves them back.
        assert (await client.delete(path, headers=admin)).status_code == 204
        assert (await first.deadlines())["answer@0"].due_on == date(2027, 2, 1)
        assert (await second.deadlines())["answer@0"].due_on == date(2027, 2, 19)
