"""Waiting on a server the way both probes do: try, and try again every half second until
it answers or the time is up, naming the last error; give up at once if its process died."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable

EVERY = 0.5


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (a killed child not yet reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def until_answered(
    attempt: Callable[[], Awaitable[object]],
    *,
    timeout: float,
    failure: Callable[[BaseException | None], str],
    pid: int | None = None,
    owner: str = "process",
) -> int:
    """0 once `attempt` returns; 1 (printing `failure(last error)`) after `timeout`
    seconds; 2 as soon as `pid`, when given, has exited."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while True:
        if pid is not None and not alive(pid):
            print(f"{owner} {pid} exited", file=sys.stderr)
            return 2
        try:
            await attempt()
            return 0
        except Exception as exc:  # any failure: reported if it is the last one
            last = exc
        if time.monotonic() >= deadline:
            print(failure(last), file=sys.stderr)
            return 1
        await asyncio.sleep(EVERY)
