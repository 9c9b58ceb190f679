"""Attachments: checked on their bytes, stored in a folder or an S3-compatible bucket,
referenced from the case, and a public report's photo is Open311's media_url."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from services.intake.attachments.storage import AttachmentSettings
from services.intake.open311.keys import create_key
from tests.conftest import StackFactory
from tests.support.stack import Stack, wait_until
from tests.support.topic import all_events

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


def _upload(stack: Stack, created: dict[str, Any], data: bytes, name: str = "anh.png") -> Any:
    return stack["intake"].post(
        f"/v1/cases/{created['tracking_code']}/attachments",
        files={"file": (name, data, "application/octet-stream")},
        headers={"X-Case-Token": created["access_token"]},
    )


async def _round_trip(stack: Stack) -> None:
    created = await stack.submit()
    response = await _upload(stack, created, PNG, "../../etc/ảnh đèn.png")
    assert response.status_code == 201, response.text
    attachment = response.json()
    assert attachment["content_type"] == "image/png" and attachment["size"] == len(PNG)
    assert "/" not in attachment["filename"]
    headers = {"X-Case-Token": created["access_token"]}
    path = f"/v1/cases/{created['tracking_code']}"
    full = (await stack["intake"].get(path, headers=headers)).json()
    assert [a["id"] for a in full["attachments"]] == [attachment["id"]]
    assert full["messages"][0]["text"].startswith("Tệp đính kèm: ")
    back = await stack["intake"].get(f"{path}/attachments/{attachment['id']}", headers=headers)
    assert back.content == PNG and back.headers["content-type"] == "image/png"
    stranger = await stack["intake"].get(f"{path}/attachments/{attachment['id']}")
    assert stranger.status_code == 403

    async def announced() -> list[Any]:
        return [
            e
            for e in await all_events(stack)
            if e.type == "case.message_added" and e.data.get("attachments")
        ]

    [event] = await wait_until(announced, what="the attachment announced")
    assert event.data["attachments"][0].endswith(".png")


async def test_a_photo_is_stored_and_referenced_from_the_case(intake: Stack) -> None:
    await _round_trip(intake)


async def test_size_type_and_count_limits(stack_factory: StackFactory) -> None:
    uploads = AttachmentSettings(max_bytes=1000, max_per_case=2)
    async with stack_factory(services=("intake",), parts=[uploads]) as stack:
        created = await stack.submit()
        too_big = await _upload(stack, created, PNG + b"\x00" * 1000)
        assert too_big.status_code == 413
        assert too_big.headers["content-type"] == "application/problem+json"
        script = await _upload(stack, created, b"#!/bin/sh\nrm -rf /\n", "anh.png")
        assert script.status_code == 415
        assert (await _upload(stack, created, PNG)).status_code == 201
        assert (await _upload(stack, created, PDF, "don.pdf")).status_code == 201
        assert (await _upload(stack, created, PNG)).status_code == 409
        assert await stack.count("intake", "attachments") == 2


async def test_an_open311_reports_photo_is_its_media_url(intake: Stack) -> None:
    async with intake.database("intake").transaction() as session:
        key = await create_key(session, "app")
    client = intake["intake"]
    filed = await client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": "environment",
            "address_id": "06427",
            "description": "Bãi rác tự phát",
            "email": "x@example.vn",
        },
    )
    code = filed.json()[0]["service_request_id"]
    # An Open311 client gets no token; a photo comes with a web or mobile case instead.
    assert code
    created = await intake.submit(publish_consent=True)
    await _upload(intake, created, PNG)
    [request] = (await client.get(f"/open311/v2/requests/{created['tracking_code']}.json")).json()
    assert request["media_url"].startswith("http://intake/open311/v2/media/")
    photo = await client.get(request["media_url"].removeprefix("http://intake"))
    assert photo.content == PNG
    private = await intake.submit(publish_consent=False)
    await _upload(intake, private, PNG)
    [hidden] = (await client.get(f"/open311/v2/requests/{private['tracking_code']}.json")).json()
    assert hidden["media_url"] is None and hidden["description"] is None


@pytest.fixture
def s3() -> Iterator[tuple[str, str]]:
    # moto keeps its buckets per process: a bucket of its own per test.
    bucket = f"tiepdan-{uuid.uuid4().hex[:12]}"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        ).create_bucket(Bucket=bucket)
        yield endpoint, bucket
    finally:
        server.stop()


async def test_attachments_in_an_s3_compatible_bucket(
    stack_factory: StackFactory, s3: tuple[str, str]
) -> None:
    endpoint, bucket = s3
    in_s3 = AttachmentSettings(
        s3_bucket=bucket,
        s3_endpoint_url=endpoint,
        s3_access_key_id="test",
        s3_secret_access_key="test",
    )
    async with stack_factory(services=("intake",), parts=[in_s3]) as stack:
        await _round_trip(stack)
    listed = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).list_objects_v2(Bucket=bucket)
    [stored] = listed["Contents"]
    assert stored["Key"].startswith("attachments/") and stored["Size"] == len(PNG)
