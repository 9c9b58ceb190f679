"""Intake's and routing's public HTTP API, as the portal calls it: timeouts, and their
problems turned into what a page can show (the sentence next to the field)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx

from services.portal.metrics import PortalMetrics
from services.portal.settings import PortalSettings
from shared.context import provided


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

    CACHE_ENTRIES = 1024

    def __init__(
        self,
        intake: httpx.AsyncClient,
        routing: httpx.AsyncClient,
        *,
        cache_seconds: float = 0,
        metrics: PortalMetrics | None = None,
    ) -> None:
        self.clients = {"intake": intake, "routing": routing}
        self.cache_seconds = cache_seconds
        self.metrics = metrics or PortalMetrics()
        self._cache: dict[tuple[str, str, str], tuple[float, Any]] = {}

    @classmethod
    def from_settings(cls, settings: PortalSettings, metrics: PortalMetrics | None = None) -> Api:
        timeout = httpx.Timeout(settings.timeout_seconds)
        return cls(
            httpx.AsyncClient(base_url=settings.intake_url, timeout=timeout),
            httpx.AsyncClient(base_url=settings.routing_url, timeout=timeout),
            cache_seconds=settings.public_cache_seconds,
            metrics=metrics,
        )

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def request(self, service: str, method: str, path: str, **kw: Any) -> httpx.Response:
        outcome = "ok"
        started = time.perf_counter()
        try:
            response = await self.clients[service].request(method, path, **kw)
        except httpx.TimeoutException:
            outcome = "timeout"
            raise Unavailable(service) from None
        except httpx.TransportError:  # refused, reset
            outcome = "unreachable"
            raise Unavailable(service) from None
        finally:
            self.metrics.upstream_latency.labels(service).observe(time.perf_counter() - started)
            if outcome != "ok":
                self.metrics.upstream_requests.labels(service, outcome).inc()
        if response.status_code >= 500:
            self.metrics.upstream_requests.labels(service, "server_error").inc()
            raise Unavailable(service)
        if response.status_code >= 400:
            self.metrics.upstream_requests.labels(service, "problem").inc()
            raise ApiProblem.of(response)
        self.metrics.upstream_requests.labels(service, "ok").inc()
        return response

    async def json(self, service: str, method: str, path: str, **kw: Any) -> Any:
        return (await self.request(service, method, path, **kw)).json()

    async def public(self, service: str, path: str, params: dict[str, str] | None = None) -> Any:
        """A public GET (figures, reports, units: the same for everyone, never a case),
        kept for `cache_seconds`: a transparency page asks for many figures at once."""
        key = (service, path, repr(sorted((params or {}).items())))
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            self.metrics.cache_lookups.labels("hit").inc()
            return hit[1]
        self.metrics.cache_lookups.labels("miss").inc()
        value = await self.json(service, "GET", path, params=params)
        if self.cache_seconds > 0:
            if len(self._cache) >= self.CACHE_ENTRIES:
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
                while len(self._cache) >= self.CACHE_ENTRIES:
                    self._cache.pop(next(iter(self._cache)))
            self._cache[key] = (now + self.cache_seconds, value)
        return value

    async def ping(self, service: str) -> bool:
        try:
            response = await self.clients[service].get("/healthz")
        except httpx.TransportError:
            return False
        return response.status_code == 200


Upstream = Annotated[Api, provided(Api)]
