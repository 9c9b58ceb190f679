"""Administrators correct the calendar and the law's clocks as data, and the next case uses it.

The government's yearly schedule can differ from what holidays.VN knows: a swapped working
Saturday, an extra day off. An admin records it and the deadlines computed afterwards follow.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.auth import Role
from tests.support.stack import Stack

ADMIN: dict[str, Any] = {"role": Role.admin, "unit": None}


async def test_a_day_off_added_by_an_admin_moves_the_calendar(stack: Stack) -> None:
    client, admin = stack["notification"], stack.auth(**ADMIN)
    day = "2027-03-15"  # an ordinary Monday
    before = await client.get("/v1/calendar/working-days", params={"from": day, "to": day})
    assert before.json()["items"][0]["working"] is True

    put = await client.put(
        f"/v1/calendar/overrides/{day}",
        headers=admin,
        json={"working": False, "reason": "Quyết định nghỉ bù của Thủ tướng"},
    )
    assert put.status_code == 200, put.text
    after = await client.get("/v1/calendar/working-days", params={"from": day, "to": day})
    assert after.json()["items"][0]["working"] is False
    calendar = stack.context("notification").calendar
    # Fri 12 Mar 2027 + 1 working day: Mon 15 is now off, so Tue 16.
    assert calendar.add_working_days(date(2027, 3, 12), 1) == date(2027, 3, 16)

    assert (await client.delete(f"/v1/calendar/overrides/{day}", headers=admin)).status_code == 204
    again = await client.get("/v1/calendar/working-days", params={"from": day, "to": day})
    assert again.json()["items"][0]["working"] is True


async def test_only_admins_correct_the_calendar(stack: Stack) -> None:
    client = stack["notification"]
    body = {"working": True, "reason": "thử"}
    official = await client.put(
        "/v1/calendar/overrides/2027-03-13", json=body, headers=stack.auth(unit="06427")
    )
    assert official.status_code == 403
    nobody = await client.put("/v1/calendar/overrides/2027-03-13", json=body)
    assert nobody.status_code == 401


async def test_a_corrected_policy_is_listed_as_such_and_can_be_reverted(stack: Stack) -> None:
    client, admin = stack["notification"], stack.auth(**ADMIN)
    policies = (await client.get("/v1/policies")).json()["items"]
    target = next(p for p in policies if p["step"] == "answer" and "petition" in p["kinds"])
    corrected = {**{k: v for k, v in target.items() if k != "overridden"}, "duration": 12}
    put = await client.put(
        f"/v1/policies/{target['id']}",
        headers=admin,
        json={"policy": corrected, "reason": "Công báo: sửa thời hạn"},
    )
    assert put.status_code == 200, put.text
    listed = {p["id"]: p for p in (await client.get("/v1/policies")).json()["items"]}
    assert listed[target["id"]]["duration"] == 12 and listed[target["id"]]["overridden"] is True
    refused = await client.put(
        f"/v1/policies/{target['id']}",
        headers=stack.auth(unit="20"),
        json={"policy": corrected, "reason": "x"},
    )
    assert refused.status_code == 403

    assert (await client.delete(f"/v1/policies/{target['id']}", headers=admin)).status_code == 204
    listed = {p["id"]: p for p in (await client.get("/v1/policies")).json()["items"]}
    assert listed[target["id"]]["duration"] == target["duration"]
    assert listed[target["id"]]["overridden"] is False
