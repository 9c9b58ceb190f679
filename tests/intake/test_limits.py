"""Abuse limits: writes per client IP and new cases per contact (429 + Retry-After), body
size (413), and text normalised to NFC on every way in."""

from __future__ import annotations

import asyncio
import hashlib
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from services.intake.limits.buckets import RateLimiter, contact_key
from services.intake.limits.shared import SharedRateLimiter
from services.intake.open311.keys import create_key
from tests.conftest import StackFactory
from tests.support.stack import Stack, production_settings, room, running_stack

NAMED = {"full_name": "Đỗ Văn Em", "phone": "0912 000 111"}


def test_a_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    bucket = RateLimiter(burst=2, per_second=0.5, clock=lambda: now[0])
    assert bucket.take_now("a") is None and bucket.take_now("a") is None
    assert bucket.take_now("a") == pytest.approx(2.0)
    assert bucket.take_now("b") is None  # every key has its own bucket
    now[0] = 2.0
    assert bucket.take_now("a") is None


def test_a_contact_is_one_key_however_it_is_written() -> None:
    assert contact_key("0912 000 111", None) == contact_key("+84 912-000-111", None)
    assert contact_key(None, "An@Example.vn") == contact_key(None, " an@example.vn")
    assert contact_key(None, None) is None


@pytest.fixture
async def tight(stack_factory: StackFactory) -> AsyncIterator[Stack]:
    limits = room(ip_burst=6, contact_burst=2, body_max_bytes=2048)
    async with stack_factory(services=("intake",), parts=[limits]) as stack:
        yield stack


async def test_new_cases_per_contact(tight: Stack) -> None:
    client = tight["intake"]
    petition = {
        "kind": "petition",
        "title": "Đề nghị",
        "description": "Nội dung",
        "location": {"unit_code": "06427"},
        "submitter": NAMED,
    }
    bad = await client.post("/v1/cases", json={**petition, "category": "astrology"})
    assert bad.status_code == 422  # a refused case costs nothing
    for _ in range(2):
        assert (await client.post("/v1/cases", json=petition)).status_code == 201
    refused = await client.post(
        "/v1/cases", json={**petition, "submitter": {**NAMED, "phone": "+84912000111"}}
    )
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) > 0
    other = {**petition, "submitter": {"full_name": "Khác", "email": "khac@example.vn"}}
    assert (await client.post("/v1/cases", json=other)).status_code == 201


async def test_writes_per_client_ip(tight: Stack) -> None:
    client = tight["intake"]
    statuses = [
        (
            await client.post("/v1/cases/ABCDE-FGHJK/withdraw", headers={"X-Case-Token": "x"})
        ).status_code
        for _ in range(7)
    ]
    assert statuses == [404] * 6 + [429]
    again = await client.post("/v1/cases/ABCDE-FGHJK/withdraw")
    assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1
    # Reads have a budget of their own (tests/security/test_read_limits.py).
    assert (await client.get("/v1/categories")).status_code == 200


async def test_request_bodies_are_bounded(tight: Stack) -> None:
    client = tight["intake"]
    big = {
        "kind": "feedback",
        "title": "x",
        "description": "y" * 4000,
        "location": {"unit_code": "06427"},
    }
    declared = await client.post("/v1/cases", json=big)
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 512

    chunked = await client.post(
        "/v1/cases", content=chunks(), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413
    open311 = await client.post("/open311/v2/requests.xml", data={"description": "z" * 4000})
    assert open311.status_code == 413
    assert open311.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert await tight.count("intake", "cases") == 0


async def test_open311_text_is_stored_in_nfc(intake: Stack) -> None:
    async with intake.database("intake").transaction() as session:
        key = await create_key(session, "nfc")
    nfd = unicodedata.normalize("NFD", "Cống thoát nước bị tắc ở ngõ 5")
    filed = await intake["intake"].post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": "environment",
            "address_id": "06427",
            "description": nfd,
        },
    )
    assert filed.status_code == 201, filed.text
    code = filed.json()[0]["service_request_id"]
    [request] = (await intake["intake"].get(f"/open311/v2/requests/{code}.json")).json()
    assert request["description"] == unicodedata.normalize("NFC", nfd) != nfd


@pytest.mark.integration
async def test_replicas_share_one_limit_on_postgresql(
    pg_admin_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = await production_settings(pg_admin_url, kafka_bootstrap, tmp_path)
    async with running_stack("production", settings, services=("intake",)) as stack:
        database = stack.database("intake")
        replicas = [SharedRateLimiter(5, 1 / 3600, scope="contact") for _ in range(3)]
        # Twelve requests of one contact at once, spread over three replicas: five pass.
        waits = await asyncio.gather(
            *(replicas[i % 3].take_apart("citizen-1", database) for i in range(12))
        )
        assert sum(w is None for w in waits) == 5
        assert all(w is None or w > 3000 for w in waits), waits  # an hour's rate: ~3,600 s
        assert await replicas[0].take_apart("citizen-2", database) is None
        # Counted in a submission's transaction, a token comes back when it rolls back.
        with pytest.raises(RuntimeError):
            async with database.transaction() as session:
                assert await replicas[1].take("citizen-2", session) is None
                raise RuntimeError("the submission failed after the limit was checked")
        hashed = hashlib.sha256(b"citizen-2").hexdigest()  # keys are stored hashed
        left = await stack.scalar(
            "intake", "SELECT tokens FROM rate_buckets WHERE key = :key", key=hashed
        )
        assert left == pytest.approx(4.0, abs=0.01)  # one taken apart, none by the rollback


@pytest.mark.integration
async def test_a_busy_address_takes_its_tokens_in_blocks_and_never_more_than_the_limit(
    pg_admin_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = await production_settings(pg_admin_url, kafka_bootstrap, tmp_path)
    async with running_stack("production", settings, services=("intake",)) as stack:
        database = stack.database("intake")
        replicas = [SharedRateLimiter(100, 1 / 3600, scope="ip") for _ in range(3)]
        assert replicas[0].block == 10
        writes: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if statement.startswith("INSERT INTO rate_buckets"):
                writes.append(statement)

        event.listen(database.engine.sync_engine, "before_cursor_execute", count)
        try:
            # A reception desk's address, through three replicas: 90 requests, 9 writes.
            first = [await replicas[i % 3].take_apart("10.0.0.7", database) for i in range(90)]
            assert all(w is None for w in first)
            assert len(writes) <= 9
            # The replicas together never grant more than the burst.
            rest = [await replicas[i % 3].take_apart("10.0.0.7", database) for i in range(60)]
        finally:
            event.remove(database.engine.sync_engine, "before_cursor_execute", count)
        granted = 90 + sum(w is None for w in rest)
        assert 100 - 3 * 10 < granted <= 100
        assert all(w is None or w > 3000 for w in rest)  # refused with an honest wait
