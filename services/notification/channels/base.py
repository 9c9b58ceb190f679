from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    recipient: str
    subject: str
    body: str  # plain text; an SMS carries only `sms` text
    sms: str
    payload: dict[str, object]


class PermanentFailure(Exception):
    """Retrying cannot help (no gateway configured, address refused): dead-letter at once."""


class Channel(Protocol):
    name: str

    async def send(self, message: Message) -> None: ...

    async def close(self) -> None:
        """Let go of what the channel keeps between messages (its HTTP client)."""
