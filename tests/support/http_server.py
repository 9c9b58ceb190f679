"""A real HTTP server on a free loopback port, for the SMS gateway and webhooks in tests.

A few lines of asyncio (HTTP/1.1, one request per connection): it records each request and
answers with the status the test sets. Nothing in httpx is mocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpServer:
    """Records requests; answers each with `status` (settable by the test)."""

    status: int = 200
    requests: list[Request] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Request(method, path, headers, body))
            reply = b'{"ok":true}' if self.status < 400 else b'{"error":"unavailable"}'
            writer.write(
                f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(reply)}\r\nConnection: close\r\n\r\n".encode()
                + reply
            )
            await writer.drain()
        finally:
            writer.close()


@pytest.fixture
async def http_server() -> AsyncIterator[HttpServer]:
    server = HttpServer()
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = int(listening.sockets[0].getsockname()[1])
    async with listening:
        yield server
        listening.close()
        await listening.wait_closed()
