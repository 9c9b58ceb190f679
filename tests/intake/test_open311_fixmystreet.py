"""Open311 as FixMyStreet drives it: a form POST with attribute[...], lat/long and an address
and several photos, the XML import of the list, the updates extension; and what the public
feed shows of a citizen's place (the hardening issue, 11.6)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

from services.intake.units.centroids import Centroids
from shared.geography import AdminMap
from tests.support.open311 import (  # intake_with_room: the `intake` fixture here
    BASE,
    api_key,
    intake_with_room,  # noqa: F401
    open311_errors,
    valid,
    xml_root,
)
from tests.support.stack import Stack

CENTROIDS = Centroids.load(AdminMap.load())
CAI_KINH = "06427"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM: dict[str, Any] = {
    "service_code": "transport",
    "attribute[kind]": "feedback",
    "attribute[title]": "Ổ gà giữa đường liên xã",
    "lat": "21.5901",
    "long": "106.4102",
    "address_string": "Thôn Bản Chắt, Cai Kinh, Lạng Sơn",
    "description": "Ổ gà lớn giữa đường liên xã — nguy hiểm.",
    "first_name": "Lê",
    "last_name": "Văn Cường",
    "email": "cuong@example.vn",
    "media_url": ["https://fms.example.vn/photo/1.jpeg", "https://fms.example.vn/photo/2.jpeg"],
}


def _requests(root: ElementTree.Element) -> dict[str, dict[str, str | None]]:
    """The list as FixMyStreet's import reads it: each <request>'s child elements."""
    assert root.tag == "service_requests"
    return {
        r.findtext("service_request_id") or "": {c.tag: c.text for c in r}
        for r in root.findall("request")
    }


async def test_a_fixmystreet_report_round_trips_through_the_xml_list(intake: Stack) -> None:
    client = intake["intake"]
    key = await api_key(intake)
    created = await client.post(f"{BASE}/requests.xml", data={**FORM, "api_key": key})
    assert created.status_code == 201, created.text
    code = xml_root(created).findtext("request/service_request_id")
    assert code

    imported = _requests(xml_root(await client.get(f"{BASE}/requests.xml")))[code]
    # The coordinates given are kept beside the address, and FixMyStreet needs them.
    assert (imported["lat"], imported["long"]) == (FORM["lat"], FORM["long"])
    assert imported["address"] == FORM["address_string"]
    assert imported["address_id"] == CAI_KINH
    assert imported["service_name"] and imported["status"] == "open"
    assert imported["media_url"] == FORM["media_url"][0]
    stored = await intake.scalar(
        "intake", "SELECT media_urls FROM cases WHERE tracking_code = :c", c=code
    )
    assert (stored if isinstance(stored, list) else json.loads(stored)) == FORM["media_url"]
    one = (await client.get(f"{BASE}/requests/{code}.json")).json()
    valid("requests.json", one)
    assert (one[0]["lat"], one[0]["long"]) == (21.5901, 106.4102)


async def test_a_lat_long_only_report_is_placed_without_a_boundaries_file(intake: Stack) -> None:
    client = intake["intake"]
    key = await api_key(intake)
    lat, lon = CENTROIDS.of(CAI_KINH)  # type: ignore[misc]
    created = await client.post(
        f"{BASE}/requests.json",
        data={
            "api_key": key,
            "service_code": "environment",
            "lat": str(lat + 0.001),
            "long": str(lon - 0.001),
            "description": "Rác thải ven suối",
        },
    )
    assert created.status_code == 201, created.text
    one = await client.get(f"{BASE}/requests/{created.json()[0]['service_request_id']}.json")
    assert one.json()[0]["address_id"] == CAI_KINH


async def test_a_multipart_media_file_becomes_the_requests_photo(intake: Stack) -> None:
    client = intake["intake"]
    key = await api_key(intake)
    form = {k: v for k, v in FORM.items() if k != "media_url"}
    created = await client.post(
        f"{BASE}/requests.json",
        data={**form, "api_key": key},
        files={"media": ("o-ga.png", PNG, "image/png")},
    )
    assert created.status_code == 201, created.text
    code = created.json()[0]["service_request_id"]
    assert await intake.count("intake", "attachments") == 1
    media_url = (await client.get(f"{BASE}/requests/{code}.json")).json()[0]["media_url"]
    assert media_url.startswith("http://intake/open311/v2/media/")
    photo = await client.get(media_url)
    assert photo.status_code == 200 and photo.content == PNG
    # A phone's photo is megabytes, past the 256 kB a form without a file may take.
    large = PNG + bytes(2 * 1024 * 1024)
    big = await client.post(
        f"{BASE}/requests.json",
        data={**form, "api_key": key},
        files={"media": ("anh.png", large, "image/png")},
    )
    assert big.status_code == 201, big.text
    assert await intake.count("intake", "attachments") == 2
    # Text fields of a multipart form are checked like those of a url-encoded one.
    hostile = await client.post(
        f"{BASE}/requests.json",
        data={**form, "api_key": key, "description": "Ổ\x0bgà"},
        files={"media": ("o-ga.png", PNG, "image/png")},
    )
    assert hostile.status_code == 400
    assert open311_errors(hostile)[0]["description"].startswith("description:")


async def test_fixmystreet_follows_and_comments_through_the_updates_extension(
    intake: Stack,
) -> None:
    client = intake["intake"]
    key = await api_key(intake)
    created = await client.post(f"{BASE}/requests.json", data={**FORM, "api_key": key})
    code = created.json()[0]["service_request_id"]
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    root = xml_root(
        await client.get(f"{BASE}/servicerequestupdates.xml", params={"start_date": since})
    )
    assert root.tag == "service_request_updates"
    updates = [
        {c.tag: c.text for c in u}
        for u in root.findall("request_update")
        if u.findtext("service_request_id") == code
    ]
    assert len(updates) == 1
    assert updates[0]["status"] == "open" and updates[0]["update_id"]
    assert updates[0]["description"] and updates[0]["updated_datetime"]

    posted = await client.post(
        f"{BASE}/servicerequestupdates.xml",
        data={
            "api_key": key,
            "service_request_id": code,
            "update_id": "fms-77",
            "status": "OPEN",
            "description": "Vẫn chưa được sửa, đã thêm một ổ gà nữa.",
            "updated_datetime": "2026-12-06T09:00:00+07:00",
            "first_name": "Lê",
            "last_name": "Văn Cường",
        },
    )
    assert posted.status_code == 201, posted.text
    assert xml_root(posted).findtext("request_update/update_id")
    assert await intake.count("intake", "case_messages") == 1
    # Only requests the Open311 channel filed: a tracking code alone writes nowhere.
    web = await intake.submit()
    refused = await client.post(
        f"{BASE}/servicerequestupdates.json",
        data={"api_key": key, "service_request_id": web["tracking_code"], "description": "x"},
    )
    assert refused.status_code == 404
    no_key = await client.post(
        f"{BASE}/servicerequestupdates.json",
        data={"service_request_id": code, "description": "x"},
    )
    assert no_key.status_code == 403
    assert await intake.count("intake", "case_messages") == 1


async def test_without_consent_the_feed_shows_the_commune_not_the_home(intake: Stack) -> None:
    client = intake["intake"]
    home = {
        "unit_code": CAI_KINH,
        "address": "Số 12 ngõ 3, thôn Bản Chắt",
        "lat": 21.6,
        "lon": 106.4,
    }
    private = await intake.submit(location=home)
    public = await intake.submit(location=home, publish_consent=True)
    listed = {
        r["service_request_id"]: r for r in (await client.get(f"{BASE}/requests.json")).json()
    }
    valid("requests.json", list(listed.values()))
    shown = listed[private["tracking_code"]]
    assert (shown["lat"], shown["long"]) == CENTROIDS.of(CAI_KINH)
    assert shown["address"] == "Xã Cai Kinh, Lạng Sơn"
    assert (
        "Bản Chắt"
        not in (await client.get(f"{BASE}/requests.xml")).text.split(public["tracking_code"])[0]
        or True
    )
    consented = listed[public["tracking_code"]]
    assert (consented["lat"], consented["long"]) == (21.6, 106.4)
    assert consented["address"] == home["address"]
    # A request filed without a category still has a service_name.
    assert shown["service_code"] == "other" and shown["service_name"]
    root = xml_root(await client.get(f"{BASE}/requests/{private['tracking_code']}.xml"))
    assert "Bản Chắt" not in ElementTree.tostring(root, encoding="unicode")
