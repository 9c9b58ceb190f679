"""Citizens' addresses, asked of intake at delivery time only: notification keeps none.

A case.submitted carries an opaque reference to its citizen's contact; intake answers it
with the address, and logs the read (services/intake/identity). A claim of notices asks for
all its citizens in one request; an intake from before that look-up is asked one reference
at a time."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from services.notification.channels.base import PermanentFailure
from services.notification.channels.http import HttpClient

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

# References per request: intake takes at most 200 (services/intake/identity/schemas.py).
PER_REQUEST = 200


class ResolverDown(Exception):
    """Intake, which holds the citizen's address, could not be asked: try again later."""


class ContactResolver:
    """Asks intake for a citizen's address by opaque reference, at delivery time only."""

    def __init__(self, url: str, token: str = "", client: httpx.AsyncClient | None = None) -> None:
        self.url = url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = HttpClient(client)  # given in tests: intake's app in the same process

    async def resolve(self, ref: str, channel: str) -> str:
        response = await self._ask("GET", f"{self.url}/{ref}")
        if response.status_code == 404:
            raise PermanentFailure("contact reference unknown to intake")
        response.raise_for_status()
        return _address(response.json(), channel)

    async def resolve_all(self, refs: list[str]) -> dict[str, dict[str, str]] | None:
        """The addresses of `refs` by reference and channel, in one request per 200; an
        unknown reference is left out. None when this intake cannot answer several at once
        (one from before that look-up, or any answer but 200): ask one at a time."""
        found: dict[str, dict[str, str]] = {}
        for first in range(0, len(refs), PER_REQUEST):
            asked = {"refs": refs[first : first + PER_REQUEST]}
            response = await self._ask("POST", self.url, json=asked)
            if response.status_code != 200:
                return None
            found |= response.json()["contacts"]
        return found

    async def _ask(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Intake's answer; ResolverDown when it could not be asked or could not answer now
        (unreachable, 5xx, 429): not the notice's failure, tried again later."""
        if not self.url:
            raise PermanentFailure("no contact resolver configured: citizen address unknown")
        import httpx  # on the first delivery, not while the service starts (issue 15)

        try:
            response = await self.http().request(method, url, headers=self.headers, **kwargs)
        except httpx.TransportError as exc:
            raise ResolverDown(f"intake unreachable ({type(exc).__name__})") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise ResolverDown(f"intake answered {response.status_code}")
        return response

    async def close(self) -> None:
        await self.http.close()


class ClaimContacts:
    """The addresses of one claim's citizens: asked of intake at once, held only while the
    claim's notices are sent. Unasked, or where intake cannot answer several at once, each
    address is asked on its own, as it is needed."""

    def __init__(self, resolver: ContactResolver) -> None:
        self.resolver = resolver
        self.found: dict[str, dict[str, str]] | None = None
        self.down: str | None = None  # why intake could not be asked

    async def ask(self, refs: list[str]) -> None:
        if not refs or not self.resolver.url:
            return  # nobody to ask for, or nobody to ask: each notice says why on its own
        try:
            self.found = await self.resolver.resolve_all(sorted(set(refs)))
        except ResolverDown as exc:
            self.down = str(exc)
        except Exception as exc:  # an answer not understood: ask one at a time, as before
            log.warning("contacts not resolved at once (%s): asking one at a time", type(exc))

    async def address(self, ref: str, channel: str) -> str:
        if self.down is not None:
            raise ResolverDown(self.down)
        if self.found is None:
            return await self.resolver.resolve(ref, channel)
        channels = self.found.get(ref)
        if channels is None:
            raise PermanentFailure("contact reference unknown to intake")
        return _address(channels, channel)


def _address(channels: Mapping[str, Any], channel: str) -> str:
    """The citizen's address on `channel`, of intake's answer (channel -> address)."""
    address = channels.get(channel)
    if not address:
        raise PermanentFailure(f"the citizen gave no {channel} address")
    return str(address)
