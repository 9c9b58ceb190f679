"""SMS through an HTTP gateway, and signed webhooks (HMAC-SHA256 over the body)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING

from services.notification.channels.addresses import address_problem, resolved_problem
from services.notification.channels.base import Message, PermanentFailure

if TYPE_CHECKING:
    import httpx

SIGNATURE_HEADER = "X-Tiepdan-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _raise_for(response: httpx.Response) -> None:
    if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
        raise PermanentFailure(f"refused with HTTP {response.status_code}")
    response.raise_for_status()


class HttpClient:
    """One HTTP client for a sender's life, built on its first message, closed with it.

    Building an `httpx.AsyncClient` loads the CA bundle: about 25 ms of CPU, which a client
    built per message paid on every SMS, webhook and contact look-up (34 ms of CPU per SMS
    delivered, against 1-2 ms with one client). One client also keeps its connections to the
    gateway open between messages. A client given (tests: an app in the same process) is the
    caller's to close."""

    def __init__(self, given: httpx.AsyncClient | None = None) -> None:
        self._given = given
        self._own: httpx.AsyncClient | None = None

    def __call__(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        if self._own is None:
            import httpx  # on the first message, not while the service starts (issue 15)

            self._own = httpx.AsyncClient(timeout=10)
        return self._own

    async def close(self) -> None:
        own, self._own = self._own, None
        if own is not None:
            await own.aclose()


class SmsChannel:
    name = "sms"

    def __init__(self, url: str, client: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self.http = HttpClient(client)

    async def close(self) -> None:
        await self.http.close()

    async def send(self, message: Message) -> None:
        if not self.url:
            raise PermanentFailure("no SMS gateway configured (TIEPDAN_NOTIFY_SMS_GATEWAY_URL)")
        # The SMS body is the short, content-free text: never what the case is about.
        body = {"to": message.recipient, "text": message.sms}
        _raise_for(await self.http().post(self.url, json=body))


class WebhookChannel:
    name = "webhook"

    def __init__(
        self,
        secret: str,
        client: httpx.AsyncClient | None = None,
        *,
        allow_private: bool = False,
        https_only: bool = True,
    ) -> None:
        self.secret = secret
        self.http = HttpClient(client)
        self.allow_private, self.https_only = allow_private, https_only

    async def close(self) -> None:
        await self.http.close()

    async def send(self, message: Message) -> None:
        if not self.secret:
            # An unsigned webhook could be forged by anyone: refuse rather than send one.
            raise PermanentFailure("webhooks disabled: set TIEPDAN_NOTIFY_WEBHOOK_SECRET")
        problem = address_problem(
            message.recipient, https_only=self.https_only, allow_private=self.allow_private
        ) or await resolved_problem(message.recipient, allow_private=self.allow_private)
        if problem:
            raise PermanentFailure(f"webhook address refused: {problem}")
        body = json.dumps(message.payload, ensure_ascii=False, sort_keys=True).encode()
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Tiepdan-Timestamp": stamp,
            SIGNATURE_HEADER: sign(self.secret, stamp, body),
        }
        _raise_for(await self.http().post(message.recipient, content=body, headers=headers))
