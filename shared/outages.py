"""Is this error an outage of a dependency, or a failure of the work itself?

Classified by what an error means, not by its Python class: SQLAlchemy's asyncpg dialect
reports a database that is starting, stopping or has dropped the connection as a plain
`DBAPIError` or `InterfaceError`, the same classes as a bad statement. What tells them
apart is the SQLSTATE the server sent (class 08, 57P01-57P03, 40001, 40P01, 53300), the
socket error under it, or SQLAlchemy's own verdict that the connection was invalidated.

An outage is waited out, for as long as it lasts: consumers do not count it against an
event's attempts, workers do not count it against a timer or a notice, and an HTTP request
that meets one is answered 503 with Retry-After. Only an error the work itself raises on its
input (a constraint, a bug, a refused value) is a failure of that work.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import sqlalchemy.exc as sa_exc

# SQLSTATE class 08: connection exceptions. 57P01 admin shutdown, 57P02 crash shutdown,
# 57P03 cannot connect now (starting up, shutting down, in recovery), 57P04 database dropped
# is not transient. 40001 serialization failure and 40P01 deadlock: retry the transaction.
# 53300 too many connections, 53400 configuration limit exceeded. 55006 object in use is not.
_TRANSIENT_CLASSES = frozenset({"08"})
_TRANSIENT_STATES = frozenset({"57P01", "57P02", "57P03", "40001", "40P01", "53300", "53400"})
_SQLITE_BUSY = ("database is locked", "database is busy", "disk i/o error")
_CLOSED_WORDS = ("connection is closed", "connection was closed", "underlying connection")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The error, what caused it, and what SQLAlchemy wrapped, without looping."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [e.__cause__, e.__context__, getattr(e, "orig", None)]


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE the server sent, wherever it sits in the chain."""
    for e in _chain(exc):
        state = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if isinstance(state, str) and state:
            return state
    return None


def is_outage(exc: BaseException) -> bool:
    """True when `exc` says a dependency is down or busy, not that the work is wrong."""
    for e in _chain(exc):
        if isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated:
            return True
        if isinstance(e, sa_exc.TimeoutError | sa_exc.DisconnectionError):
            return True  # the pool had no connection to give in time, or one died
        if isinstance(e, ConnectionError | TimeoutError):
            return True
        if isinstance(e, OSError) and not isinstance(e, FileNotFoundError | PermissionError):
            return True  # refused, reset, unreachable, broken pipe
        state = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if isinstance(state, str) and (
            state[:2] in _TRANSIENT_CLASSES or state in _TRANSIENT_STATES
        ):
            return True
        text = str(e).lower()
        if isinstance(e, sqlite3.OperationalError) and any(w in text for w in _SQLITE_BUSY):
            return True
        if type(e).__name__ == "InterfaceError" and any(w in text for w in _CLOSED_WORDS):
            return True  # asyncpg's "connection is closed" under SQLAlchemy's InterfaceError
        if type(e).__name__ in ("ConnectionDoesNotExistError", "CannotConnectNowError"):
            return True
    return False


def is_conflict(exc: BaseException) -> bool:
    """A serialization failure or deadlock: the database is up, two transactions collided,
    and trying again (the same work, or smaller pieces of it) succeeds."""
    return sqlstate(exc) in ("40001", "40P01")


class OutageError(Exception):
    """Raised on purpose to say "wait this out": the work was not attempted."""
