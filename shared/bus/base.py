from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    topic: str
    key: str
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class IncomingRecord:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = field(default_factory=tuple)

    @property
    def position(self) -> tuple[str, int]:
        return (self.topic, self.partition)


class Subscription(Protocol):
    """A consumer group member: records come in order per partition; commits are explicit."""

    async def fetch(self, timeout: float, max_records: int) -> list[IncomingRecord]: ...

    async def caught_up(self) -> bool:
        """Whether this member has its partitions and has read each to its current end."""
        ...

    async def commit(self, next_offsets: Mapping[tuple[str, int], int]) -> bool:
        """Store the next offset to read per (topic, partition); False if the broker refused."""
        ...

    async def rewind(self, topic: str, partition: int, offset: int) -> None:
        """Read again from `offset`: the record there was not handled."""
        ...

    async def close(self) -> None: ...


class Bus(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        """Return only when every record is acknowledged (durably appended)."""
        ...

    async def subscribe(
        self, group: str, topics: Sequence[str], *, takes_over: Sequence[str] = ()
    ) -> Subscription:
        """Join `group`. A partition the group has no committed offset for starts at the lowest
        offset committed there by the groups it `takes_over` (the consumers it replaces), or at
        the beginning if one of them has none; without them, at the beginning."""
        ...

    async def ping(self) -> None:
        """Raise if the bus cannot be reached."""
        ...
