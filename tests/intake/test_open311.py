"""Open311 GeoReport v2: every JSON answer valid against the published schemas, XML well formed."""

from __future__ import annotations

from services.intake.open311.keys import create_key, revoke_key
from tests.support.open311 import valid, xml_root
from tests.support.stack import Stack


async def _key(stack: Stack, name: str = "fixmystreet") -> str:
    async with stack.database("intake").transaction() as session:
        return await create_key(session, name)


BASE = "/open311/v2"


async def test_services_and_definitions_in_both_formats(intake: Stack) -> None:
    client = intake["intake"]
    services = (await client.get(f"{BASE}/services.json")).json()
    valid("services.json", services)
    assert {"land", "environment", "transport"} <= {s["service_code"] for s in services}
    root = xml_root(await client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    definition = (await client.get(f"{BASE}/services/transport.json")).json()
    valid("service-definition.json", definition)
    xml_root(await client.get(f"{BASE}/services/transport.xml"))
    missing = await client.get(f"{BASE}/services/astrology.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
    for path in ("/open311/discovery.json", "/open311/discovery.xml"):
        assert (await client.get(path)).status_code == 200
    unknown = await client.get(f"{BASE}/services.json", params={"jurisdiction_id": "nyc.gov"})
    assert unknown.status_code == 404


async def test_filing_and_following_a_request(intake: Stack) -> None:
    client = intake["intake"]
    form: dict[str, str] = {
        "service_code": "transport",
        "address_string": "Thôn Bản Chắt, Cai Kinh, Lạng Sơn",
        "description": "Ổ gà lớn giữa đường liên xã — nguy hiểm.",
        "first_name": "Lê",
        "last_name": "Văn Cường",
        "email": "cuong@example.vn",
        "media_url": "https://example.vn/o-ga.jpg",
    }
    assert (await client.post(f"{BASE}/requests.json", data=form)).status_code == 403
    key = await _key(intake)
    created = await client.post(f"{BASE}/requests.json", data={**form, "api_key": key})
    assert created.status_code == 201, created.text
    valid(
        "requests.json",
        [
            {
                **r,
                "status": "open",
                "service_code": "transport",
                "requested_datetime": "2026-01-01T00:00:00+07:00",
            }
            for r in created.json()
        ],
    )
    code = created.json()[0]["service_request_id"]

    one = (await client.get(f"{BASE}/requests/{code}.json")).json()
    valid("requests.json", one)
    assert one[0]["description"] == form["description"]  # Vietnamese round-trips exactly
    assert one[0]["address_id"] == "06427" and one[0]["status"] == "open"
    assert one[0]["media_url"] == form["media_url"]
    root = xml_root(await client.get(f"{BASE}/requests/{code}.xml"))
    assert root.find("request/description").text == form["description"]  # type: ignore[union-attr]

    listed = (await client.get(f"{BASE}/requests.json", params={"status": "open"})).json()
    valid("requests.json", listed)
    assert code in {r["service_request_id"] for r in listed}
    for params in ({"status": "closed"}, {"service_code": "land"}):
        assert code not in {
            r["service_request_id"]
            for r in (await client.get(f"{BASE}/requests.json", params=params)).json()
        }
    too_long = await client.get(
        f"{BASE}/requests.json",
        params={"start_date": "2026-01-01T00:00:00+07:00", "end_date": "2026-06-01T00:00:00+07:00"},
    )
    assert too_long.status_code == 400
    xml_root(await client.get(f"{BASE}/requests.xml"))

    async with intake.database("intake").transaction() as session:
        assert await revoke_key(session, "fixmystreet")
    revoked = await client.post(f"{BASE}/requests.xml", data={**form, "api_key": key})
    assert revoked.status_code == 403
    assert xml_root(revoked).find("error/code").text == "403"  # type: ignore[union-attr]


async def test_locations_that_cannot_be_placed_are_400s_saying_why(intake: Stack) -> None:
    key = await _key(intake)
    client = intake["intake"]
    base: dict[str, str] = {"service_code": "environment", "api_key": key, "description": "Rác"}
    by_id = await client.post(f"{BASE}/requests.json", data={**base, "address_id": "06427"})
    assert by_id.status_code == 201
    for extra, words in (
        ({"lat": "1.5", "long": "103.8"}, "no known commune"),  # Singapore: none is near
        ({}, "location is required"),
        ({"address_id": "99999"}, "not a commune"),
        ({"address_string": "Atlantis"}, "no known commune"),
    ):
        response = await client.post(f"{BASE}/requests.json", data={**base, **extra})
        assert response.status_code == 400, response.text
        assert words in response.json()[0]["description"]


async def test_a_denunciation_never_appears(intake: Stack) -> None:
    created = await intake.submit(
        kind="denunciation",
        submitter={"full_name": "Phạm Thị Dung", "phone": "0987654321"},
        target={"person": "Chủ tịch xã"},
    )
    listed = (await intake["intake"].get(f"{BASE}/requests.json")).json()
    assert created["tracking_code"] not in {r["service_request_id"] for r in listed}
    one = await intake["intake"].get(f"{BASE}/requests/{created['tracking_code']}.json")
    assert one.status_code == 404
