"""Who the client is, for the per-client limits, and the request's client for code deeper in.

Behind the shipped ingress every request comes from the ingress controller's pod: the peer
address alone would make every citizen share one budget. The leftmost X-Forwarded-For entry
is what the client wrote, so it is never trusted. Trusted are only:

- a header the ingress sets and overwrites (ingress-nginx's X-Real-IP), or
- the X-Forwarded-For entry `trusted_hops` from the right: each of our N proxies appends the
  address it saw, so the entry before theirs is the one the outermost proxy saw.

An IPv6 client is its /64: one subscriber line gets a whole /64 and could otherwise take a
fresh budget per address.
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.types import Scope

from services.intake.limits.buckets import LimitSettings, RateLimits
from shared.context import part
from shared.db import Database


@dataclass(frozen=True)
class RequestClient:
    address: str
    app: Starlette  # its context holds the limiters and the database


CURRENT: ContextVar[RequestClient | None] = ContextVar("intake_request_client", default=None)


def _parse(value: str) -> str | None:
    try:
        ip = ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def _headers(scope: Scope, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope["headers"] if k == name]


def client_address(scope: Scope, settings: LimitSettings) -> str:
    client = scope.get("client")
    peer = _parse(str(client[0])) if client else None
    if settings.client_ip_header:
        values = _headers(scope, settings.client_ip_header.lower().encode("latin-1"))
        # The proxy's own value is the last one (it overwrites; a duplicate is not ours).
        given = _parse(values[-1].split(",")[-1]) if values else None
        return given or peer or "unknown"
    if settings.trusted_hops:
        chain = [part for value in _headers(scope, b"x-forwarded-for") for part in value.split(",")]
        chain.append(peer or "")
        picked = _parse(chain[max(0, len(chain) - 1 - settings.trusted_hops)])
        return picked or peer or "unknown"
    return peer or "unknown"


async def count_failed_key() -> None:
    """Spend one of the client's failed-api_key tokens (apart from the request's transaction,
    which rolls back); raise 429 when none is left."""
    client = CURRENT.get()
    if client is None:  # not under the middleware (a script): nothing to count against
        return
    limiter = part(client.app, RateLimits)["open311_bad_key"]
    await limiter.check_apart(
        client.address, "with a wrong api_key from this address", part(client.app, Database)
    )
