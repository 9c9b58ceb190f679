"""Abuse limits at the door: request body size (413), and writes and reads per client (429).

The client is who services/intake/limits/client.py says it is (never an address the client
wrote itself); it is also put where deeper code can count against it (failed api_keys).

The limits are at the bottom of intake (cases and Open311 count against their buckets): what
they need of the features above, the attachments' upload limit and Open311's XML, the service
gives them where it adds the middleware (app.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.intake.limits.buckets import LimitSettings, RateLimits
from services.intake.limits.client import CURRENT, RequestClient, client_address
from shared.context import part
from shared.db import Database
from shared.errors import PROBLEM_JSON, AppError

ATTACHMENTS = re.compile(r"^/v1/cases/[^/]+/attachments/?$")
# An Open311 report may carry its photo as a multipart `media` file (the `three` client does).
OPEN311_REPORT = re.compile(r"^/open311/v2/requests\.(json|xml)$")
# A case looked up by its code (citizens' API, Open311): the enumeration target.
LOOKUPS = re.compile(r"^/v1/cases/[^/]+(/.*)?$|^/open311/v2/requests/[^/]+\.(json|xml)$")
UNLIMITED = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and Prometheus
FORM_ROOM = 64 * 1024  # multipart headers and boundaries around an attachment
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# Open311's XML document of `value` under the root element `root` (open311/xml.py `render`).
RenderXml = Callable[[str, Any], bytes]


class PayloadTooLarge(AppError):
    status, title, slug = 413, "Content Too Large", "too-large"


class AbuseLimits:
    def __init__(
        self, app: ASGIApp, *, upload_limit: Callable[[Starlette], int], render_xml: RenderXml
    ) -> None:
        self.app = app
        # The largest file an upload may carry (the attachments' settings, in the context).
        self.upload_limit = upload_limit
        self.render_xml = render_xml

    async def _too_large(self, send: Send, path: str, limit: int) -> None:
        detail = f"the request body is limited to {limit} bytes"
        await _refuse(send, path, 413, detail, self.render_xml)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path in UNLIMITED or path.startswith("/internal/"):
            await self.app(scope, receive, send)
            return
        app = scope["app"]
        settings = part(app, LimitSettings)
        limits = part(app, RateLimits)
        database = part(app, Database)
        client = client_address(scope, settings)
        for name in _buckets(scope["method"], path):
            # Counted before the app runs: a 404 costs what a hit costs, a wrong api_key or
            # case token what a right one costs.
            wait = await limits[name].take_apart(client, database)
            if wait is not None:
                seconds = max(1, int(wait + 0.999))
                await _refuse(
                    send,
                    path,
                    429,
                    f"too many requests: try again in {seconds} s",
                    self.render_xml,
                    {"retry-after": str(seconds)},
                )
                return
        token = CURRENT.set(RequestClient(client, app))
        try:
            if scope["method"] in WRITES:
                await self._bounded(scope, receive, send, app, settings)
            else:
                await self.app(scope, receive, send)
        finally:
            CURRENT.reset(token)

    async def _bounded(
        self, scope: Scope, receive: Receive, send: Send, app: Starlette, settings: LimitSettings
    ) -> None:
        path: str = scope["path"]
        if ATTACHMENTS.match(path) or (OPEN311_REPORT.match(path) and _multipart(scope)):
            # An upload is not read here: the endpoint checks the case token first, then
            # streams the body (spooled to disk past 1 MB), stopped at the cap below.
            limit = self.upload_limit(app) + FORM_ROOM
            declared = _content_length(scope)
            if declared is not None and declared > limit:
                await self._too_large(send, path, limit)
                return
            await self.app(scope, _capped(receive, limit), send)
            return
        limit = settings.body_max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._too_large(send, path, limit)
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
                await self._too_large(send, path, limit)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def _buckets(method: str, path: str) -> tuple[str, ...]:
    if method in WRITES:
        return ("ip",)  # Open311 POSTs too: a wrong api_key is not a free attempt
    if LOOKUPS.match(path):
        return ("read", "lookup")
    return ("read",)


def _capped(receive: Receive, limit: int) -> Receive:
    size = 0

    async def capped() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise PayloadTooLarge(f"the request body is limited to {limit} bytes")
        return message

    return capped


def _multipart(scope: Scope) -> bool:
    return any(
        name == b"content-type" and value.lower().startswith(b"multipart/form-data")
        for name, value in scope["headers"]
    )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(
    send: Send,
    path: str,
    status: int,
    detail: str,
    render_xml: RenderXml,
    headers: dict[str, str] | None = None,
) -> None:
    body: Any
    if path.startswith("/open311/"):
        body, media = [{"code": status, "description": detail}], "application/json"
        if path.endswith(".xml"):
            raw = render_xml("errors", body)
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
