"""Abuse limits at the door: request body size (413) and writes per client IP (429)."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.intake.limits.buckets import LimitSettings, RateLimiter
from services.intake.open311.xml import render
from shared.errors import PROBLEM_JSON

ATTACHMENTS = re.compile(r"^/v1/cases/[^/]+/attachments/?$")
FORM_ROOM = 64 * 1024  # multipart headers and boundaries around an attachment
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AbuseLimits:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        settings: LimitSettings = state.limit_settings
        path: str = scope["path"]
        if not path.startswith("/open311/"):  # Open311 clients are limited per api_key
            limiter: RateLimiter = state.rate_limiters["ip"]
            wait = await limiter.take_apart(_client_ip(scope, settings), state.database)
            if wait is not None:
                seconds = max(1, int(wait + 0.999))
                await _refuse(
                    send,
                    path,
                    429,
                    f"too many requests: try again in {seconds} s",
                    {"retry-after": str(seconds)},
                )
                return
        limit = settings.body_max_bytes
        if ATTACHMENTS.match(path):
            limit = state.attachment_settings.max_bytes + FORM_ROOM
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, path, 413, f"the request body is limited to {limit} bytes")
            return
        # Read the body up to the limit before the app sees it: a chunked upload with no
        # Content-Length is stopped at the limit, not after it has filled the memory.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                await _refuse(send, path, 413, f"the request body is limited to {limit} bytes")
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _client_ip(scope: Scope, settings: LimitSettings) -> str:
    if settings.trust_forwarded_for:
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                return str(value.decode("latin-1").split(",")[0].strip())
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def _refuse(
    send: Send, path: str, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    body: Any
    if path.startswith("/open311/"):
        body, media = [{"code": status, "description": detail}], "application/json"
        if path.endswith(".xml"):
            raw = render("errors", body)
            return await _send(send, status, raw, "text/xml; charset=utf-8", headers)
    else:
        title = {413: "Content Too Large", 429: "Too Many Requests"}[status]
        slug = {413: "too-large", 429: "rate-limited"}[status]
        body = {
            "type": f"https://tiepdan.vn/problems/{slug}",
            "title": title,
            "status": status,
            "detail": detail,
        }
        media = PROBLEM_JSON
    raw = json.dumps(body, ensure_ascii=False).encode()
    await _send(send, status, raw, media, headers)


async def _send(
    send: Send, status: int, raw: bytes, media: str, headers: dict[str, str] | None
) -> None:
    extra = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media.encode()),
                (b"content-length", str(len(raw)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})
