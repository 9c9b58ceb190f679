"""Intake's and routing's public HTTP API, as the portal calls it: timeouts, and their
problems turned into what a page can show (the sentence next to the field)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from services.portal.settings import PortalSettings


class Unavailable(Exception):
    """Intake or routing did not answer (refused, timed out, or a 5xx): the portal says so."""

    def __init__(self, service: str) -> None:
        super().__init__(f"{service} is unavailable")
        self.service = service


@dataclass
class ApiProblem(Exception):
    """A 4xx from the API: its plain sentence, and one per field where it named fields."""

    status: int
    detail: str
    fields: dict[str, str] = field(default_factory=dict)
    retry_after: str | None = None

    @classmethod
    def of(cls, response: httpx.Response) -> ApiProblem:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        fields: dict[str, str] = {}
        for error in body.get("errors") or []:
            loc = ".".join(str(p) for p in error.get("loc") or [])
            fields.setdefault(loc, str(error.get("msg", "")))
        detail = str(body.get("detail") or body.get("title") or response.reason_phrase)
        return cls(response.status_code, detail, fields, response.headers.get("retry-after"))

    def __str__(self) -> str:
        return f"{self.status}: {self.detail}"


class Api:
    """One httpx client per upstream, built in the portal's lifespan."""

    def __init__(self, intake: httpx.AsyncClient, routing: httpx.AsyncClient) -> None:
        self.clients = {"intake": intake, "routing": routing}

    @classmethod
    def from_settings(cls, settings: PortalSettings) -> Api:
        timeout = httpx.Timeout(settings.timeout_seconds)
        return cls(
            httpx.AsyncClient(base_url=settings.intake_url, timeout=timeout),
            httpx.AsyncClient(base_url=settings.routing_url, timeout=timeout),
        )

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def request(self, service: str, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            response = await self.clients[service].request(method, path, **kw)
        except httpx.TransportError:  # refused, reset, timed out
            raise Unavailable(service) from None
        if response.status_code >= 500:
            raise Unavailable(service)
        if response.status_code >= 400:
            raise ApiProblem.of(response)
        return response

    async def json(self, service: str, method: str, path: str, **kw: Any) -> Any:
        return (await self.request(service, method, path, **kw)).json()

    async def ping(self, service: str) -> bool:
        try:
            response = await self.clients[service].get("/healthz")
        except httpx.TransportError:
            return False
        return response.status_code == 200
