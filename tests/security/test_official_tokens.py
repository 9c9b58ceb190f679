"""Officials' bearer tokens. Item 12: a signing key the identity provider drops stops
verifying within the key-set cache's lifetime. Item 10: a 401 never echoes library error
text (a JWKS fetch failure names the provider's URL and its error)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import TokenVerifier
from shared.errors import Unauthorized
from shared.settings import Settings
from tests.conftest import StackFactory
from tests.support.stack import wait_until


class JwksServer:
    """The identity provider's JWKS endpoint on loopback; `keys` is what it publishes now."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/certs"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            body = json.dumps({"keys": self.keys}).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        finally:
            writer.close()


@pytest.fixture
async def jwks() -> AsyncIterator[JwksServer]:
    server = JwksServer()
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = int(listening.sockets[0].getsockname()[1])
    async with listening:
        yield server


def _key(kid: str) -> tuple[rsa.RSAPrivateKey, dict[str, Any]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    public.update(kid=kid, use="sig", alg="RS256")
    return private, public


def _token(private: rsa.RSAPrivateKey, kid: str) -> str:
    now = int(time.time())
    claims = {"sub": "an", "role": "official", "unit": "06427", "iss": "tiepdan"}
    claims |= {"aud": "tiepdan", "iat": now, "exp": now + 600}
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": kid})


async def _refused(verifier: TokenVerifier, token: str) -> bool:
    try:
        await verifier.verify(token)
    except Unauthorized:
        return True
    return False


async def test_a_rotated_out_key_stops_working(jwks: JwksServer) -> None:
    old_private, old_public = _key("old")
    new_private, new_public = _key("new")
    jwks.keys = [old_public, new_public]
    verifier = TokenVerifier(
        Settings(_env_file=None, jwt_jwks_url=jwks.url, jwt_jwks_cache_seconds=0.3)  # type: ignore[call-arg]
    )
    old_token = _token(old_private, "old")
    assert (await verifier.verify(old_token)).sub == "an"

    jwks.keys = [new_public]  # the provider drops the old key
    await wait_until(lambda: _refused(verifier, old_token), what="the dropped key refused")
    assert (await verifier.verify(_token(new_private, "new"))).sub == "an"


async def test_a_401_does_not_echo_the_librarys_error(stack_factory: StackFactory) -> None:
    unreachable = "https://127.0.0.1:9/realms/tiepdan/certs"  # nothing listens there
    async with stack_factory(services=("routing",), jwt_jwks_url=unreachable) as stack:
        private, _ = _key("k")
        answer = await stack["routing"].get(
            "/v1/queues/06427", headers={"Authorization": f"Bearer {_token(private, 'k')}"}
        )
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    detail = answer.json()["detail"]
    assert detail == "invalid bearer token"
    for leaked in ("127.0.0.1", "certs", "Fail", "Errno", "refused"):
        assert leaked not in answer.text
