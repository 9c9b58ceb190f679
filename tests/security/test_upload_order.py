"""Item 4: an upload is refused (limit, then case token) before its body is read, and an
accepted one is streamed to storage, stopped at the size cap, never held whole in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.intake.attachments.storage import AttachmentSettings
from tests.conftest import StackFactory
from tests.support.stack import Stack, room

BOUNDARY = "tiepdan-test-boundary"
CHUNK = 64 * 1024
PNG_HEAD = b"\x89PNG\r\n\x1a\n"


class Body:
    """A multipart upload sent in chunks; counts how many the server pulled."""

    def __init__(self, chunks: int, head: bytes = PNG_HEAD) -> None:
        self.chunks, self.head, self.pulled = chunks, head, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.pulled += 1
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="anh.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode() + self.head
        for _ in range(self.chunks):
            self.pulled += 1
            yield b"\x00" * CHUNK
        self.pulled += 1
        yield f"\r\n--{BOUNDARY}--\r\n".encode()


def _post(stack: Stack, code: str, body: Body, token: str | None) -> Any:
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    if token is not None:
        headers["X-Case-Token"] = token
    return stack["intake"].post(f"/v1/cases/{code}/attachments", content=body, headers=headers)


@pytest.fixture
async def intake(stack_factory: StackFactory) -> AsyncIterator[Stack]:
    uploads = AttachmentSettings(max_bytes=2 * 1024 * 1024)
    async with stack_factory(services=("intake",), parts=[uploads]) as stack:
        yield stack


async def test_a_wrong_token_is_refused_before_the_body_is_read(intake: Stack) -> None:
    created = await intake.submit()
    body = Body(chunks=30)  # ~2 MB that a stranger wants the server to hold
    refused = await _post(intake, created["tracking_code"], body, "not-the-token")
    assert refused.status_code == 403
    assert body.pulled <= 1, f"{body.pulled} chunks were read for a refused upload"
    unknown = Body(chunks=30)
    assert (await _post(intake, "ABCDE-FGHJK", unknown, "x")).status_code == 404
    assert unknown.pulled <= 1


async def test_the_rate_limit_comes_before_the_body(stack_factory: StackFactory) -> None:
    async with stack_factory(services=("intake",), parts=[room(ip_burst=2)]) as stack:
        created = await stack.submit()  # one write token
        assert (await _post(stack, created["tracking_code"], Body(1), "x")).status_code == 403
        body = Body(chunks=30)
        limited = await _post(stack, created["tracking_code"], body, created["access_token"])
        assert limited.status_code == 429
        assert body.pulled <= 1


async def test_a_stream_past_the_cap_is_stopped_there(intake: Stack) -> None:
    created = await intake.submit()
    body = Body(chunks=100)  # 6.4 MB, no Content-Length: only the stream says how big
    too_big = await _post(intake, created["tracking_code"], body, created["access_token"])
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == "application/problem+json"
    cap_chunks = (2 * 1024 * 1024 + 64 * 1024) // CHUNK + 2
    assert body.pulled <= cap_chunks, f"read {body.pulled} chunks past a {cap_chunks}-chunk cap"
    assert await intake.count("intake", "attachments") == 0


async def test_a_large_accepted_file_arrives_whole(intake: Stack) -> None:
    created = await intake.submit()
    accepted = await _post(
        intake, created["tracking_code"], Body(chunks=24), created["access_token"]
    )
    assert accepted.status_code == 201, accepted.text
    attachment = accepted.json()
    assert attachment["size"] == len(PNG_HEAD) + 24 * CHUNK
    back = await intake["intake"].get(
        f"/v1/cases/{created['tracking_code']}/attachments/{attachment['id']}",
        headers={"X-Case-Token": created["access_token"]},
    )
    assert back.content == PNG_HEAD + b"\x00" * (24 * CHUNK)
