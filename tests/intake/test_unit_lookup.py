"""A citizen finds the commune a case is about, typed in any mix of diacritics and case."""

from __future__ import annotations

import pytest

from shared.geography import AdminMap, Level, fold
from tests.support.stack import Stack


@pytest.mark.parametrize(
    "query",
    ["cai kinh", "Cai Kinh, Lạng Sơn", "CAI KÍNH", "xã cai kinh lang son", "Cai  Kinh"],
)
async def test_cai_kinh_is_found_however_it_is_typed(stack: Stack, query: str) -> None:
    response = await stack["intake"].get("/v1/units", params={"q": query})
    assert response.status_code == 200
    assert response.json()["items"][0] == {
        "code": "06427",
        "name": "Xã Cai Kinh",
        "level": "commune",
        "parent_code": "20",
    }


async def test_a_province_comes_before_its_communes_and_parent_filters(stack: Stack) -> None:
    items = (await stack["intake"].get("/v1/units", params={"q": "lang son"})).json()["items"]
    assert items[0]["code"] == "20" and items[0]["level"] == "province"
    scoped = await stack["intake"].get("/v1/units", params={"q": "xa", "parent": "20"})
    assert {u["parent_code"] for u in scoped.json()["items"]} == {"20"}


def test_the_registry_is_the_2025_map() -> None:
    # Since 2025-07-01: 34 provinces and 3,321 communes (2,621 xã, 687 phường, 13 đặc khu).
    admin_map = AdminMap.load()
    assert admin_map.count(Level.province) == 34
    assert admin_map.count(Level.commune) == 3321
    assert admin_map.get("06427").parent_code == "20"  # type: ignore[union-attr]
    assert fold("Đặc khu Cô Tô") == "dac khu co to"
