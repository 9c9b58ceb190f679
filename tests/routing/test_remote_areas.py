"""Routing tells notification when a unit is remote or a complaint is second-time: the law
gives those cases longer periods (Luật Khiếu nại Điều 28, 33, 37)."""

from __future__ import annotations

from shared.events import CASE_ROUTED
from tests.support.stack import Stack, wait_until
from tests.support.topic import all_events


async def _routed_event(stack: Stack, case_id: str) -> dict | None:
    for event in await all_events(stack):
        if event.type == CASE_ROUTED and str(event.case_id) == case_id:
            return event.data
    return None


async def test_a_case_on_an_island_special_zone_is_routed_as_remote(stack: Stack) -> None:
    island = await stack.submit(location={"unit_code": "07192"})  # Đặc khu Cô Tô
    mainland = await stack.submit()  # Xã Cai Kinh, Lạng Sơn
    island_routed = await wait_until(
        lambda: _routed_event(stack, island["id"]), what="the island case routed"
    )
    mainland_routed = await wait_until(
        lambda: _routed_event(stack, mainland["id"]), what="the mainland case routed"
    )
    assert island_routed["remote_area"] is True
    assert island_routed["second_time"] is False
    assert mainland_routed["remote_area"] is False
