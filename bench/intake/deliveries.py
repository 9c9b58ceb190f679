"""Notification's deliveries in the intake benchmark: an SMS gateway, and what notification
needs to reach it and to learn each citizen's address.

Without them every citizen notice fails at once ("no contact resolver configured") and costs
nothing, while a deployment pays on every case: notification asks intake for the address
(intake decrypts the submitter and logs the read) and posts the SMS to the operator's
gateway. The gateway here is a few lines of asyncio in the benchmark's own process: its CPU,
like the citizens' phones', is not the pipeline's (that process is not among those sampled).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from bench.common.stack import Service

# What a citizen is told in a bench run (services/notification/notices/handlers.py): the
# receipt on case.submitted and the routing on case.routed. Later public steps (accepted,
# resolved...) are officials' acts, which the benchmark does not make.
SMS_PER_CASE = 2
REPLY = b'{"ok":true}'
HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{}\r\n"


def _reply(keep_alive: bool) -> bytes:
    return HEAD.format(len(REPLY), "" if keep_alive else "Connection: close\r\n").encode() + REPLY


@dataclass
class SmsGateway:
    """Answers 200 to every request and counts the POSTs (the SMS sent).

    HTTP/1.1 keep-alive, as an operator's gateway answers: notification keeps one HTTP client
    per channel, and a connection per SMS would count connects a deployment does not make."""

    port: int = 0
    received: int = 0
    connections: int = 0
    # The connections open now, by the task answering each (closed on the way out).
    answering: dict[asyncio.Task[None], asyncio.StreamWriter] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        if task is not None:
            self.answering[task] = writer
        try:
            # Ends when the client closes (idle, or mid-request) or sends what this does not read.
            with contextlib.suppress(
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                ConnectionError,
                ValueError,
            ):
                open_ = True
                while open_:
                    open_ = await self._answer(reader, writer)
        finally:
            if task is not None:
                self.answering.pop(task, None)
            writer.close()

    async def close(self) -> None:
        """Close the connections a client left open (idle keep-alive ones), and wait until
        their tasks end: a task still waiting when the loop ends is cancelled, and logged."""
        tasks = list(self.answering)
        for writer in self.answering.values():
            writer.close()  # the task's read ends (IncompleteReadError), and so does the task
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """One request and its answer; False when the connection is to be closed."""
        head = await reader.readuntil(b"\r\n\r\n")
        request, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        await reader.readexactly(int(headers.get("content-length") or 0))
        if request.startswith("POST "):
            self.received += 1
        keep_alive = request.endswith("HTTP/1.1") and headers.get("connection") != "close"
        writer.write(_reply(keep_alive))
        await writer.drain()
        return keep_alive


@contextlib.asynccontextmanager
async def sms_gateway() -> AsyncIterator[SmsGateway]:
    """The gateway on a free loopback port, for as long as the block runs."""
    gateway = SmsGateway()
    server = await asyncio.start_server(gateway.handle, "127.0.0.1", 0)
    gateway.port = int(server.sockets[0].getsockname()[1])
    async with server:
        try:
            yield gateway
        finally:
            await gateway.close()


def notification_env(intake: Service, gateway: SmsGateway) -> dict[str, str]:
    """What a deployment gives notification to deliver (docker-compose.yml,
    deploy/k8s/base/notification.yaml): intake's internal contact API and the SMS gateway.
    The bearer both services share, TIEPDAN_INTERNAL_TOKEN, is already in every service's
    environment (production mode requires it: bench/common/stack.py, Infra.service_env)."""
    return {
        "TIEPDAN_NOTIFY_CONTACT_RESOLVER_URL": f"{intake.url}/internal/v1/contacts",
        "TIEPDAN_NOTIFY_SMS_GATEWAY_URL": gateway.url,
    }
