"""The unit registry: the administrative map, agencies and remote areas, from data files."""

from __future__ import annotations

from pathlib import Path

import yaml

from services.routing.units.registry import AGENCIES_FILE, UnitRegistry
from shared.geography import AdminMap
from tests.support.stack import Stack


async def test_a_province_shows_its_agencies_and_its_superior(stack: Stack) -> None:
    province = (await stack["routing"].get("/v1/units/20")).json()
    assert province["level"] == "province" and province["superior_code"] == "TTCP"
    assert {"SNNMT20", "SXD20", "TT20"} <= {a["code"] for a in province["agencies"]}
    commune = (await stack["routing"].get("/v1/units/06427")).json()
    assert (commune["superior_code"], commune["remote"]) == ("20", False)
    assert commune["display_name"] == "UBND Xã Cai Kinh"
    agency = (await stack["routing"].get("/v1/units/SXD20")).json()
    assert (agency["level"], agency["parent_code"]) == ("agency", "20")
    assert "construction" in agency["fields"]
    island = (await stack["routing"].get("/v1/units/26732")).json()  # Đặc khu Côn Đảo
    assert island["remote"] is True
    assert (await stack["routing"].get("/v1/units/NOPE")).status_code == 404
    found = (await stack["routing"].get("/v1/units?q=so xay dung")).json()["items"]
    assert "SXD20" in [u["code"] for u in found]


def test_remote_units_come_from_the_data_file(tmp_path: Path) -> None:
    remote = tmp_path / "remote.yaml"
    remote.write_text(yaml.safe_dump({"division_types": [], "units": ["06427"]}))
    registry = UnitRegistry.load(AdminMap.load(), AGENCIES_FILE, remote)
    commune, island = registry.get("06427"), registry.get("26732")
    assert commune is not None and commune.remote is True
    assert island is not None and island.remote is False
