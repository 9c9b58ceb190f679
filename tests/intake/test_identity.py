"""A denouncer's identity: read only by the responsible unit's officials, every read logged,
re-encryptable under a new key, and never anywhere public."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet

from services.intake.cases.secrets import IdentityCipher
from services.intake.identity.service import rotate_identity_keys
from shared.auth import Role
from tests.support.intake_events import now, publish, routed
from tests.support.stack import Stack, wait_until
from tests.support.topic import all_events

NAME = "Hoàng Thị Bí Mật Zyx"
PHONE = "0966 123 987"


async def _denounce(stack: Stack) -> dict[str, Any]:
    created = await stack.submit(
        kind="denunciation",
        title="Tố cáo cán bộ nhận tiền",
        description="Cán bộ địa chính nhận tiền để làm nhanh hồ sơ.",
        submitter={"full_name": NAME, "phone": PHONE, "address": "Thôn Bản Chắt"},
        target={"person": "Cán bộ địa chính", "unit_code": "06427"},
        category="officials_conduct",
    )
    await publish(stack, routed(created["id"], now() + timedelta(seconds=1), kind="denunciation"))

    async def is_routed() -> bool:
        view = (await stack["intake"].get(f"/v1/cases/{created['tracking_code']}")).json()
        return bool(view["status"] == "routed")

    await wait_until(is_routed, what="denunciation routed")
    return created


async def test_only_the_responsible_units_officials_read_it_and_each_read_is_logged(
    intake: Stack,
) -> None:
    created = await _denounce(intake)
    path = f"/v1/cases/{created['id']}/submitter"
    client = intake["intake"]
    assert (await client.get(path)).status_code == 401
    for refused in (
        intake.auth(unit="00070"),
        intake.auth(role=Role.supervisor, unit="06427"),
        intake.auth(role=Role.admin, unit=None),
        intake.auth(unit="20"),  # not even the province: only the resolving unit
    ):
        assert (await client.get(path, headers=refused)).status_code == 403
    assert await intake.count("intake", "submitter_reads") == 0
    read = await client.get(path, headers=intake.auth(unit="06427", sub="can-bo-an"))
    assert read.status_code == 200
    assert read.json()["full_name"] == NAME
    assert await intake.count("intake", "submitter_reads", actor="can-bo-an") == 1


async def test_the_identity_never_leaks(intake: Stack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    created = await _denounce(intake)
    client = intake["intake"]
    code = created["tracking_code"]
    public: list[str] = []
    for path in (
        f"/v1/cases/{code}",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests/{code}.json",
        "/metrics",
        "/openapi.json",
    ):
        public.append((await client.get(path)).text)
    view = (await client.get(f"/v1/cases/{code}")).json()
    assert set(k for k, v in view.items() if v not in (None, [])) <= {
        "tracking_code",
        "kind",
        "status",
        "submitted_at",
        "deadlines",
    }  # a denunciation's public view: status and deadlines only
    public += [e.model_dump_json() for e in await all_events(intake)]
    public += [r.getMessage() + str(r.__dict__) for r in caplog.records]
    stored = await intake.scalar("intake", "SELECT ciphertext FROM submitters")
    public.append(bytes(stored).decode("latin-1"))
    for text in public:
        for secret in (NAME, PHONE, "Bí Mật"):
            assert secret not in text


async def test_rotation_reencrypts_every_identity_with_the_newest_key(intake: Stack) -> None:
    old = intake.context("intake").identity_cipher
    await intake.submit(kind="complaint", submitter={"full_name": NAME, "phone": PHONE})
    await intake.submit(kind="petition", submitter={"full_name": "Khác", "email": "a@b.vn"})
    new_key = Fernet.generate_key().decode()
    old_keys = [k.strip() for k in (intake.settings["intake"].identity_keys or "").split(",") if k]
    if not old_keys:  # development: the key kept under data_dir
        old_keys = [(intake.settings["intake"].data_dir / "keys" / "identity.key").read_text()]
    both = IdentityCipher([new_key, *old_keys])
    assert await rotate_identity_keys(intake.database("intake"), both, batch_size=1) == 2
    only_new = IdentityCipher([new_key])
    async with intake.database("intake").sessions() as session:
        from sqlalchemy import text

        rows = (await session.execute(text("SELECT ciphertext FROM submitters"))).scalars()
        names = sorted(only_new.decrypt(bytes(r))["full_name"] for r in rows)
    assert names == sorted([NAME, "Khác"])
    assert old is not None


async def test_the_notification_service_resolves_a_contact_reference(intake: Stack) -> None:
    await intake.submit(
        kind="petition", submitter={"full_name": "An", "email": "an@example.vn", "phone": PHONE}
    )
    await intake.submit(kind="petition", submitter=None)

    async def submitted() -> list[Any]:
        return [e for e in await all_events(intake) if e.type == "case.submitted"]

    named, anonymous = sorted(
        await wait_until(lambda: _two(submitted), what="both cases on the bus"),
        key=lambda e: e.data["anonymous"],
    )
    assert anonymous.data.get("contact_ref") is None
    ref = named.data["contact_ref"]
    assert "an@example.vn" not in named.model_dump_json()
    token = intake.settings["intake"].internal_token.get_secret_value()
    service = {"Authorization": f"Bearer {token}"} if token else {}
    answer = await intake["intake"].get(f"/internal/v1/contacts/{ref}", headers=service)
    assert answer.json() == {"email": "an@example.vn", "sms": PHONE}
    # The read is logged against the citizen's case, as the system's, in no unit.
    assert (
        await intake.count(
            "intake", "submitter_reads", actor="system:notification", case_id=named.case_id
        )
        == 1
    )
    logged = "SELECT role || ':' || coalesce(unit_code, '-') FROM submitter_reads"
    assert await intake.scalar("intake", logged) == "system:-"
    forged = await intake["intake"].get("/internal/v1/contacts/forged", headers=service)
    assert forged.status_code == 404
    if token:  # production: only a caller holding the service token gets an address
        for headers in ({}, {"Authorization": "Bearer guessed"}):
            refused = await intake["intake"].get(f"/internal/v1/contacts/{ref}", headers=headers)
            assert refused.status_code == 401
        assert await intake.count("intake", "submitter_reads", actor="system:notification") == 1


async def test_a_claim_of_notices_resolves_its_citizens_in_one_request(intake: Stack) -> None:
    emails = {}  # case id -> the citizen's address
    for email in ("an@example.vn", "binh@example.vn"):
        created = await intake.submit(
            kind="petition", submitter={"full_name": "An", "email": email}
        )
        emails[str(created["id"])] = email

    async def submitted() -> list[Any]:
        return [e for e in await all_events(intake) if e.type == "case.submitted"]

    first, second = await wait_until(lambda: _two(submitted), what="both cases on the bus")
    refs = {e.data["contact_ref"]: e for e in (first, second)}
    token = intake.settings["intake"].internal_token.get_secret_value()
    service = {"Authorization": f"Bearer {token}"} if token else {}
    asked = {"refs": [*refs, "forged", *refs]}  # an unknown one, and each asked twice
    answer = await intake["intake"].post("/internal/v1/contacts", json=asked, headers=service)
    assert answer.status_code == 200, answer.text
    found = answer.json()["contacts"]
    assert sorted(found) == sorted(refs)  # the unknown one left out
    for ref, event in refs.items():  # each its own citizen's, read once, logged on its case
        assert found[ref] == {"email": emails[str(event.case_id)]}
        reads = await intake.count("intake", "submitter_reads", case_id=event.case_id)
        assert reads == 1
    for bad in ({"refs": []}, {"refs": ["x" * 101]}, {"refs": ["r"] * 201}, {"ref": "x"}):
        refused = await intake["intake"].post("/internal/v1/contacts", json=bad, headers=service)
        assert refused.status_code == 422, bad
    if token:  # production: only a caller holding the service token gets an address
        for headers in ({}, {"Authorization": "Bearer guessed"}):
            refused = await intake["intake"].post(
                "/internal/v1/contacts", json={"refs": list(refs)}, headers=headers
            )
            assert refused.status_code == 401
    assert await intake.count("intake", "submitter_reads") == 2


async def _two(probe: Any) -> list[Any] | None:
    found: list[Any] = await probe()
    return found if len(found) == 2 else None
