"""Tracking codes, access tokens, and the encrypted submitter identity."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from pathlib import Path
from typing import Annotated, Any

from cryptography.fernet import Fernet, MultiFernet

from shared.context import provided
from shared.settings import Settings

# No 0/O, 1/I/L: a code read aloud over the phone is not misheard.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31**10 ≈ 8e14 codes, ~50 bits: unguessable at any request rate we allow


def new_tracking_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_tracking_code(code: str) -> str:
    cleaned = code.strip().upper().replace("-", "").replace(" ", "")
    return f"{cleaned[:5]}-{cleaned[5:]}" if len(cleaned) == CODE_LENGTH else code


def new_access_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)


class IdentityCipher:
    """Fernet with rotation: encrypt with the newest key, decrypt with any configured one."""

    def __init__(self, keys: list[str]) -> None:
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> IdentityCipher:
        if settings.identity_keys:
            return cls([k.strip() for k in settings.identity_keys.split(",") if k.strip()])
        path = Path(settings.data_dir) / "keys" / "identity.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(Fernet.generate_key())
            path.chmod(0o600)
        return cls([path.read_text().strip()])

    def encrypt(self, identity: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(identity, ensure_ascii=False).encode())

    def decrypt(self, token: bytes) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self._fernet.decrypt(token))
        return data

    def rotate(self, token: bytes) -> bytes:
        return self._fernet.rotate(token)


Cipher = Annotated[IdentityCipher, provided(IdentityCipher)]
