"""Loopback ports for the private servers."""

from __future__ import annotations

import socket


def is_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:`port` (SO_REUSEADDR: a socket in TIME_WAIT is free)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free(count: int) -> list[int]:
    """`count` distinct free ports: all bound at once, so that none is handed out twice."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
