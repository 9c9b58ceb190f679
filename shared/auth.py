"""Officials' bearer JWTs: RS256, verified with a JWKS (production) or the local dev key."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.context import provided
from shared.errors import Forbidden, Unauthorized
from shared.settings import Environment, Settings

DEV_KID = "tiepdan-dev"
log = logging.getLogger(__name__)


class Role(StrEnum):
    official = "official"
    unit_head = "unit_head"
    supervisor = "supervisor"
    admin = "admin"


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    unit_code: str | None


def ensure_dev_keys(key_dir: Path) -> Path:
    """Create the development RSA key pair and its JWKS once; return the private key path."""
    key_dir.mkdir(parents=True, exist_ok=True)
    private_path = key_dir / "dev-private.pem"
    if not private_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = private_path.with_suffix(".tmp")
        tmp.write_bytes(pem)
        tmp.chmod(0o600)
        tmp.replace(private_path)
    jwks_path = key_dir / "jwks.json"
    if not jwks_path.exists():
        private = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
        assert isinstance(private, rsa.RSAPrivateKey)
        jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
        jwk.update(kid=DEV_KID, use="sig", alg="RS256")
        jwks_path.write_text(json.dumps({"keys": [jwk]}, indent=2))
    return private_path


def issue_dev_token(
    key_dir: Path,
    *,
    role: Role,
    unit_code: str | None,
    sub: str,
    settings: Settings,
    ttl_seconds: int = 8 * 3600,
) -> str:
    private = ensure_dev_keys(key_dir).read_bytes()
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "role": role.value,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if unit_code:
        claims["unit"] = unit_code
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": DEV_KID})


class TokenVerifier:
    """JWKS over https, a JWKS file (a mounted secret), or the dev key.

    The fetched key set is trusted for TIEPDAN_JWT_JWKS_CACHE_SECONDS, then fetched again: a
    key the identity provider dropped stops verifying by then. No per-key cache, which would
    keep a dropped key forever (PyJWKClient's `cache_keys` has no expiry). An unknown kid
    refetches the set at most every 30 s (PyJWKClient's cooldown): random kids cannot make
    us hammer the provider."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: jwt.PyJWKClient | None = None
        self._keys: dict[str | None, Any] = {}
        url = settings.jwt_jwks_url
        if url.startswith(("http://", "https://")):
            self._client = jwt.PyJWKClient(
                url,
                cache_keys=False,
                cache_jwk_set=True,
                lifespan=settings.jwt_jwks_cache_seconds,
                timeout=10,
            )
        else:
            path = Path(url.removeprefix("file://")) if url else None
            if path is None:
                path = ensure_dev_keys(settings.resolved_key_dir()).with_name("jwks.json")
            key_set = jwt.PyJWKSet.from_dict(json.loads(path.read_text()))
            self._keys = {k.key_id: k.key for k in key_set.keys}

    async def _key_for(self, token: str) -> Any:
        if self._client is not None:
            return (await asyncio.to_thread(self._client.get_signing_key_from_jwt, token)).key
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self._keys:
            raise jwt.InvalidKeyError(f"unknown signing key {kid!r}")
        return self._keys[kid]

    async def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                await self._key_for(token),
                algorithms=["RS256"],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "sub"]},
            )
            role = Role(claims["role"])
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            # The library's text can name the JWKS URL or an upstream error: it goes to the
            # log, the caller gets a fixed sentence.
            log.info("bearer token refused: %s: %s", type(exc).__name__, exc)
            raise Unauthorized(
                "invalid bearer token", headers={"WWW-Authenticate": "Bearer"}
            ) from None
        return Principal(sub=str(claims["sub"]), role=role, unit_code=claims.get("unit"))


_bearer = HTTPBearer(auto_error=False)


Verifier = Annotated[TokenVerifier, provided(TokenVerifier)]


async def current_principal(
    verifier: Verifier, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal:
    if credentials is None:
        raise Unauthorized("a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    return await verifier.verify(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def require_internal_caller(
    settings: Annotated[Settings, provided(Settings)],
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> None:
    """Service-to-service calls: the bearer must be TIEPDAN_INTERNAL_TOKEN."""
    expected = settings.internal_token.get_secret_value()
    if not expected:
        if settings.env is Environment.development:
            return
        raise Forbidden("internal API disabled: TIEPDAN_INTERNAL_TOKEN is not set")
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized(
            "internal API: bad or missing service token", headers={"WWW-Authenticate": "Bearer"}
        )


InternalCaller = Depends(require_internal_caller)


def require_unit_access(principal: Principal, unit_code: str, *, parent_code: str | None) -> None:
    """Admins see every unit; others see their own unit, and a province's staff its communes."""
    if principal.role is Role.admin:
        return
    if principal.unit_code and principal.unit_code in (unit_code, parent_code):
        return
    raise Forbidden(
        f"role {principal.role.value} of unit {principal.unit_code} cannot act on unit {unit_code}"
    )
