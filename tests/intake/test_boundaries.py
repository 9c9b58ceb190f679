"""Placing lat/lon in a commune with a boundaries file: the point-in-polygon test itself, the
file's checks at start-up, and both endpoints (POST /v1/cases, Open311 POST requests)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from services.intake.open311.keys import create_key
from services.intake.units.boundaries import (
    Boundaries,
    BoundariesError,
    BoundarySettings,
    load_boundaries,
)
from shared.geography import AdminMap
from tests.conftest import StackFactory
from tests.support.stack import Stack

ADMIN_MAP = AdminMap.load()
CAI_KINH, THAT_KHE = "06427", "06040"  # two communes of Lạng Sơn


def square(west: float, south: float, east: float, north: float) -> list[list[float]]:
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def feature(properties: dict[str, Any], geometry: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


# Cai Kinh: a square with a square hole (a lake that is not part of it). Thất Khê: the
# neighbouring square to the east, sharing an edge, plus a detached second part further east.
COLLECTION: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        feature(
            {"ma_xa": CAI_KINH, "ten": "Xã Cai Kinh"},
            {
                "type": "Polygon",
                "coordinates": [
                    square(106.70, 21.80, 106.80, 21.90),
                    square(106.74, 21.84, 106.76, 21.86),
                ],
            },
        ),
        feature(
            {"code": int(THAT_KHE)},  # a number, as some exports write it: 6040 is 06040
            {
                "type": "MultiPolygon",
                "coordinates": [
                    [square(106.80, 21.80, 106.90, 21.90)],
                    [square(107.00, 21.80, 107.05, 21.85)],
                ],
            },
        ),
    ],
}

INSIDE_CAI_KINH = (21.82, 106.72)  # (lat, lon)
IN_THE_HOLE = (21.85, 106.75)
SECOND_PART = (21.83, 107.02)
OUTSIDE = (21.95, 106.75)


def write(tmp_path: Path, document: Any, name: str = "communes.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_concave_commune_holds_only_its_own_points(tmp_path: Path) -> None:
    # An L shape: the notch at the top right is outside.
    ell = [[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0], [1.0, 2.0], [0.0, 2.0], [0.0, 0.0]]
    document = {
        "type": "FeatureCollection",
        "features": [feature({"ma_xa": CAI_KINH}, {"type": "Polygon", "coordinates": [ell]})],
    }
    boundaries = Boundaries.load(write(tmp_path, document), ADMIN_MAP)
    assert boundaries.commune_at(1.5, 0.5) == CAI_KINH  # (lat, lon)
    assert boundaries.commune_at(0.5, 1.5) == CAI_KINH
    assert boundaries.commune_at(1.5, 1.5) is None
    assert boundaries.commune_at(0.5, 3.0) is None
    assert boundaries.commune_at(1.0, -0.5) is None  # level with a vertex, outside


def test_every_commune_of_a_full_file_is_found_through_the_index(tmp_path: Path) -> None:
    # 3,321 square communes on a grid, as many as the country has: each point lands in its
    # own square, through the spatial index.
    codes = sorted(u.code for u in ADMIN_MAP.units.values() if u.level.value == "commune")
    size = 0.01
    features = [
        feature(
            {"ma_xa": code},
            {
                "type": "Polygon",
                "coordinates": [
                    square(
                        102 + (i % 60) * size,
                        9 + (i // 60) * size,
                        102 + (i % 60 + 1) * size,
                        9 + (i // 60 + 1) * size,
                    )
                ],
            },
        )
        for i, code in enumerate(codes)
    ]
    path = write(tmp_path, {"type": "FeatureCollection", "features": features})
    boundaries = Boundaries.load(path, ADMIN_MAP)
    for i, code in enumerate(codes):
        lat = 9 + (i // 60 + 0.5) * size
        lon = 102 + (i % 60 + 0.5) * size
        assert boundaries.commune_at(lat, lon) == code
    assert boundaries.commune_at(8.5, 101.5) is None


def test_points_are_placed_in_the_right_commune(tmp_path: Path) -> None:
    boundaries = Boundaries.load(write(tmp_path, COLLECTION), ADMIN_MAP)
    assert boundaries.commune_at(*INSIDE_CAI_KINH) == CAI_KINH
    assert boundaries.commune_at(21.88, 106.85) == THAT_KHE
    assert boundaries.commune_at(*SECOND_PART) == THAT_KHE
    assert boundaries.commune_at(*IN_THE_HOLE) is None
    assert boundaries.commune_at(*OUTSIDE) is None
    assert boundaries.commune_at(21.83, 106.95) is None  # between the two parts
    # On the shared edge, a point belongs to exactly one of the neighbours.
    assert boundaries.commune_at(21.85, 106.80) in {CAI_KINH, THAT_KHE}


def test_the_code_property_can_be_named(tmp_path: Path) -> None:
    document = {
        "type": "FeatureCollection",
        "features": [
            feature(
                {"MA_XA_2025": CAI_KINH, "ma_xa": "99999"},
                {"type": "Polygon", "coordinates": [square(106.70, 21.80, 106.80, 21.90)]},
            )
        ],
    }
    path = write(tmp_path, document)
    placed = Boundaries.load(path, ADMIN_MAP, code_property="MA_XA_2025")
    assert placed.commune_at(*INSIDE_CAI_KINH) == CAI_KINH
    with pytest.raises(BoundariesError, match="not a commune code"):
        Boundaries.load(path, ADMIN_MAP)  # by default `ma_xa` is read, and 99999 is no commune


@pytest.mark.parametrize(
    ("document", "words"),
    [
        pytest.param("{not json", "not readable GeoJSON", id="not-json"),
        pytest.param({"type": "Feature"}, "not a GeoJSON FeatureCollection", id="not-collection"),
        pytest.param({"type": "FeatureCollection", "features": []}, "no features", id="empty"),
        pytest.param(
            {"type": "FeatureCollection", "features": [feature({"ten": "X"}, {})]},
            "no commune code property",
            id="no-code",
        ),
        pytest.param(
            {"type": "FeatureCollection", "features": [feature({"code": "20"}, {})]},
            "not a commune code",
            id="a-province",
        ),
        pytest.param(
            {
                "type": "FeatureCollection",
                "features": [
                    feature({"code": CAI_KINH}, {"type": "Point", "coordinates": [106.7, 21.8]})
                ],
            },
            "Polygon or MultiPolygon",
            id="a-point",
        ),
        pytest.param(
            {
                "type": "FeatureCollection",
                "features": [
                    feature({"code": CAI_KINH}, {"type": "Polygon", "coordinates": [[[1, 2]]]})
                ],
            },
            "at least 4 positions",
            id="short-ring",
        ),
    ],
)
def test_a_malformed_file_is_refused_saying_why(tmp_path: Path, document: Any, words: str) -> None:
    text = document if isinstance(document, str) else json.dumps(document)
    path = tmp_path / "bad.geojson"
    path.write_text(text)
    with pytest.raises(BoundariesError, match=words) as raised:
        Boundaries.load(path, ADMIN_MAP)
    assert str(path) in str(raised.value)


def test_settings_name_the_file_and_a_missing_file_stops_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_boundaries(ADMIN_MAP, BoundarySettings()) is None
    monkeypatch.setenv("TIEPDAN_INTAKE_BOUNDARIES_FILE", str(tmp_path / "nowhere.geojson"))
    with pytest.raises(BoundariesError, match="does not exist"):
        load_boundaries(ADMIN_MAP, BoundarySettings())
    monkeypatch.setenv("TIEPDAN_INTAKE_BOUNDARIES_FILE", str(write(tmp_path, COLLECTION)))
    loaded = load_boundaries(ADMIN_MAP, BoundarySettings())
    assert loaded is not None and len(loaded.communes) == 2


@pytest.fixture
async def placed(stack_factory: StackFactory, tmp_path: Path) -> AsyncIterator[Stack]:
    """Intake with the boundaries file."""
    boundaries = BoundarySettings(boundaries_file=write(tmp_path, COLLECTION))
    async with stack_factory(services=("intake",), parts=[boundaries]) as running:
        yield running


async def _unit_of(stack: Stack, tracking_code: str) -> Any:
    return await stack.scalar(
        "intake", "SELECT location_unit_code FROM cases WHERE tracking_code = :c", c=tracking_code
    )


async def test_a_case_with_lat_lon_only_is_placed_in_its_commune(placed: Stack) -> None:
    for (lat, lon), code in ((INSIDE_CAI_KINH, CAI_KINH), (SECOND_PART, THAT_KHE)):
        created = await placed.submit(location={"lat": lat, "lon": lon})
        assert await _unit_of(placed, created["tracking_code"]) == code
    # A unit_code given wins: the point is kept, not used.
    created = await placed.submit(location={"unit_code": THAT_KHE, "lat": 21.82, "lon": 106.72})
    assert await _unit_of(placed, created["tracking_code"]) == THAT_KHE


@pytest.mark.parametrize("point", [OUTSIDE, IN_THE_HOLE], ids=["outside", "in-the-hole"])
async def test_a_case_in_no_commune_is_a_422_naming_location(
    placed: Stack, point: tuple[float, float]
) -> None:
    lat, lon = point
    response = await placed["intake"].post(
        "/v1/cases",
        json={
            "kind": "feedback",
            "title": "Ngập úng",
            "description": "Mưa lớn gây ngập.",
            "location": {"lat": lat, "lon": lon},
        },
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["location"]
    assert "no commune" in response.json()["detail"]
    assert await placed.scalar("intake", "SELECT count(*) FROM cases") == 0


async def test_open311_lat_long_become_the_address_id(placed: Stack) -> None:
    async with placed.database("intake").transaction() as session:
        key = await create_key(session, "fixmystreet")
    client = placed["intake"]
    base = {"service_code": "environment", "api_key": key, "description": "Rác thải ven suối"}
    for (lat, lon), code in ((INSIDE_CAI_KINH, CAI_KINH), (SECOND_PART, THAT_KHE)):
        created = await client.post(
            "/open311/v2/requests.json", data={**base, "lat": str(lat), "long": str(lon)}
        )
        assert created.status_code == 201, created.text
        request_id = created.json()[0]["service_request_id"]
        one = (await client.get(f"/open311/v2/requests/{request_id}.json")).json()[0]
        assert (one["address_id"], one["lat"], one["long"]) == (code, lat, lon)
    for lat, lon in (OUTSIDE, IN_THE_HOLE):
        refused = await client.post(
            "/open311/v2/requests.json", data={**base, "lat": str(lat), "long": str(lon)}
        )
        assert refused.status_code == 400, refused.text
        assert "no known commune" in refused.json()[0]["description"]
    # An address still comes first; unreadable numbers are a 400 too.
    by_id = await client.post(
        "/open311/v2/requests.json",
        data={**base, "address_id": THAT_KHE, "lat": "21.82", "long": "106.72"},
    )
    assert by_id.status_code == 201
    bad = await client.post("/open311/v2/requests.json", data={**base, "lat": "x", "long": "y"})
    assert bad.status_code == 400 and "decimal degrees" in bad.json()[0]["description"]


async def test_without_a_file_lat_lon_alone_is_still_refused(intake: Stack) -> None:
    response = await intake["intake"].post(
        "/v1/cases",
        json={
            "kind": "feedback",
            "title": "Ngập úng",
            "description": "Mưa lớn gây ngập.",
            "location": {"lat": 21.82, "lon": 106.72},
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["location", "unit_code"]
