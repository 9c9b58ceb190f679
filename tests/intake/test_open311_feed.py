"""The Open311 feed as every client reads it: well formed whatever is stored, filtered in SQL
before its 1,000-row cap, and every failure under /open311/ in Open311's own error format."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, update

from services.intake.cases.models import Case
from tests.support.open311 import (  # intake_with_room: the `intake` fixture here
    BASE,
    api_key,
    intake_with_room,  # noqa: F401
    open311_errors,
    valid,
    xml_root,
)
from tests.support.stack import Stack

# Every character XML 1.0 cannot carry that PostgreSQL text can hold (NUL it refuses itself).
HOSTILE = [chr(c) for c in range(1, 0x20) if chr(c) not in "\t\n\r"] + ["\ufffe", "\uffff"]
FORM = {
    "service_code": "environment",
    "address_id": "06427",
    "description": "Rác thải đổ trộm ven suối",
}


async def test_characters_xml_forbids_are_refused_at_the_edge_naming_the_field(
    intake: Stack,
) -> None:
    key = await api_key(intake)
    client = intake["intake"]
    for char in ["\x00", *HOSTILE]:
        for field in ("title", "description"):
            body = {
                "kind": "feedback",
                "title": "Đèn đường hỏng",
                "description": "Ba cột đèn không sáng.",
                "location": {"unit_code": "06427", "address": "Thôn Bản Chắt"},
                field: f"Đèn{char}hỏng",
            }
            refused = await client.post("/v1/cases", json=body)
            assert refused.status_code == 422, (repr(char), refused.text)
            assert refused.json()["errors"][0]["loc"] == [field]
        located = {"unit_code": "06427", "address": f"Thôn{char}Bản Chắt"}
        refused = await client.post(
            "/v1/cases",
            json={"kind": "feedback", "title": "T", "description": "D", "location": located},
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["loc"] == ["location", "address"]
        for field in ("description", "address_string", "attribute[title]"):
            form = {**FORM, "api_key": key, field: f"Rác{char}thải"}
            answer = await client.post(f"{BASE}/requests.xml", data=form)
            assert answer.status_code == 400, (repr(char), field, answer.text)
            assert open311_errors(answer)[0]["description"].startswith(f"{field}:")
    assert await intake.count("intake", "cases") == 0


async def test_the_xml_feed_parses_whatever_is_stored(intake: Stack) -> None:
    key = await api_key(intake)
    client = intake["intake"]
    created = await client.post(f"{BASE}/requests.json", data={**FORM, "api_key": key})
    code = created.json()[0]["service_request_id"]
    for char in HOSTILE:
        # As an older version, a migration or another writer might have stored it.
        async with intake.database("intake").transaction() as session:
            await session.execute(
                update(Case)
                .where(Case.tracking_code == code)
                .values(description=f"Rác{char}thải", address=f"Thôn{char}Bản Chắt")
            )
        for path in (f"{BASE}/requests.xml", f"{BASE}/requests/{code}.xml"):
            root = xml_root(await client.get(path))  # raises on a malformed document
            request = root.find(f"request[service_request_id='{code}']")
            assert request is not None
            assert request.findtext("description") == "Rác\ufffdthải"
            assert request.findtext("address") == "Thôn\ufffdBản Chắt"
        listed = await client.get(f"{BASE}/requests.json")
        assert listed.json()[0]["description"] == f"Rác{char}thải"  # JSON escapes it


def _case(at: datetime, status: str, category: str = "environment") -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "tracking_code": uuid.uuid4().hex[:12].upper(),
        "access_token_hash": "0" * 64,
        "kind": "feedback",
        "title": "Rác",
        "description": "Rác thải",
        "category": category,
        "location_unit_code": "06427",
        "publish_consent": False,
        "channel": "web",
        "submitted_at": at,
        "status": status,
        "status_at": at,
    }


async def test_status_is_filtered_before_the_1000_row_cap(intake: Stack) -> None:
    now = datetime.now(UTC)
    closed = _case(now - timedelta(days=2), "resolved", category="land")
    newer = [_case(now - timedelta(minutes=i + 1), "routed") for i in range(1001)]
    async with intake.database("intake").transaction() as session:
        await session.execute(insert(Case), [closed, *newer])
    client = intake["intake"]
    everything = (await client.get(f"{BASE}/requests.json")).json()
    assert len(everything) == 1000 and closed["tracking_code"] not in {
        r["service_request_id"] for r in everything
    }
    found = (await client.get(f"{BASE}/requests.json", params={"status": "closed"})).json()
    assert [r["service_request_id"] for r in found] == [closed["tracking_code"]]
    valid("requests.json", found)
    both = await client.get(f"{BASE}/requests.json", params={"status": "open,closed"})
    assert len(both.json()) == 1000
    opened = await client.get(f"{BASE}/requests.json", params={"status": "open"})
    assert closed["tracking_code"] not in {r["service_request_id"] for r in opened.json()}
    # A comma-separated service_code is a list of codes (the spec says so).
    listed = await client.get(
        f"{BASE}/requests.json", params={"service_code": "land,transport", "status": "closed"}
    )
    assert [r["service_request_id"] for r in listed.json()] == [closed["tracking_code"]]
    for codes, count in (("land", 1), ("land, environment", 1000), ("transport", 0)):
        answer = await client.get(f"{BASE}/requests.json", params={"service_code": codes})
        assert len(answer.json()) == count, codes


async def test_every_answer_under_open311_is_in_open311s_format(intake: Stack) -> None:
    key = await api_key(intake)
    client = intake["intake"]
    for path, status in (
        ("/open311/v2/nothing.json", 404),
        ("/open311/v2/nothing.xml", 404),
        ("/open311/v3/services.xml", 404),
        ("/open311/v2/requests", 404),
        ("/open311/v2/services.yaml", 400),
        ("/open311/v2/requests/NOPE.xml", 404),
        ("/open311/v2/media/not-a-uuid", 400),
    ):
        answer = await client.get(path)
        assert answer.status_code == status, (path, answer.text)
        assert open311_errors(answer)[0]["code"] == status
    for method, path, allow in (
        ("DELETE", "/open311/v2/requests.json", "GET, POST"),
        ("PUT", "/open311/v2/requests.xml", "GET, POST"),
        ("POST", "/open311/v2/services.xml", "GET"),
        ("PATCH", "/open311/v2/servicerequestupdates.json", "GET, POST"),
    ):
        answer = await client.request(method, path)
        assert answer.status_code == 405, (method, path)
        assert answer.headers["allow"] == allow
        assert open311_errors(answer)[0]["code"] == 405
    # 400, not 404: the argument is missing, nothing was looked for.
    missing = await client.post(
        f"{BASE}/requests.json", data={**FORM, "api_key": key, "service_code": ""}
    )
    assert (
        missing.status_code == 400 and "service_code" in open311_errors(missing)[0]["description"]
    )
    backwards = await client.get(
        f"{BASE}/requests.xml",
        params={"start_date": "2026-03-01T00:00:00+07:00", "end_date": "2026-02-01T00:00:00+07:00"},
    )
    assert backwards.status_code == 400
    assert "after end_date" in open311_errors(backwards)[0]["description"]
    broken = await client.post(
        f"{BASE}/requests.json",
        content=f"api_key={key}&service_code=environment&address_id=06427&description=R%E1%BA".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert broken.status_code == 400 and "UTF-8" in open311_errors(broken)[0]["description"]
    raw = await client.post(
        f"{BASE}/requests.json",
        content=b"api_key=" + key.encode() + b"&service_code=environment&description=R\xff",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert raw.status_code == 400
    parts = [("api_key", key.encode()), ("service_code", b"environment"), ("description", b"R\xff")]
    multipart = b"".join(
        b'--B\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (n.encode(), v)
        for n, v in parts
    )
    latin = await client.post(
        f"{BASE}/requests.json",
        content=multipart + b"--B--\r\n",
        headers={"content-type": "multipart/form-data; boundary=B"},
    )
    assert latin.status_code == 400 and "UTF-8" in open311_errors(latin)[0]["description"]
    assert await intake.count("intake", "cases") == 0
    services = await client.get(f"{BASE}/services.json")
    assert services.headers["content-type"] == "application/json; charset=utf-8"


async def test_jurisdiction_id_counts_in_the_query_string_as_api_key_does(intake: Stack) -> None:
    key = await api_key(intake)
    client = intake["intake"]
    elsewhere = await client.post(
        f"{BASE}/requests.json", params={"jurisdiction_id": "nyc.gov", "api_key": key}, data=FORM
    )
    assert elsewhere.status_code == 404
    assert "jurisdiction_id" in open311_errors(elsewhere)[0]["description"]
    ours = await client.post(
        f"{BASE}/requests.json",
        params={"jurisdiction_id": "tiepdan.vn", "api_key": key},
        data=FORM,
    )
    assert ours.status_code == 201, ours.text
