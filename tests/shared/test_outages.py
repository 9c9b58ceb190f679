"""What counts as an outage (waited out) and what as a failure of the work (counted).

Real driver exceptions, as asyncpg raises them and SQLAlchemy wraps them."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.outages import is_outage, sqlstate


def _wrapped(orig: BaseException, *, invalidated: bool = False) -> DBAPIError:
    """How SQLAlchemy hands a driver error to our code: DBAPIError with .orig and a cause."""
    try:
        try:
            raise orig
        except BaseException as driver_error:
            raise DBAPIError(
                "SELECT 1", {}, driver_error, connection_invalidated=invalidated
            ) from driver_error
    except DBAPIError as wrapped:
        return wrapped


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.CannotConnectNowError(
            "the database system is not yet accepting connections"
        ),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
        asyncpg.exceptions.CrashShutdownError("terminating connection: crash of another"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError(104, "Connection reset by peer"),
        sqlite3.OperationalError("database is locked"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_database_down_starting_or_busy_is_an_outage(error: BaseException) -> None:
    assert is_outage(error)
    assert is_outage(_wrapped(error))  # as a plain DBAPIError, the class that misled before


def test_what_sqlalchemy_calls_an_invalidated_connection_or_an_empty_pool_is_an_outage() -> None:
    assert is_outage(_wrapped(RuntimeError("anything"), invalidated=True))
    assert is_outage(PoolTimeout("QueuePool limit of size 10 overflow 10 reached"))


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.UniqueViolationError("duplicate key value"),
        asyncpg.exceptions.UndefinedColumnError("column does not exist"),
        asyncpg.exceptions.CheckViolationError("violates check constraint"),
        asyncpg.exceptions.RaiseError("append-only table"),
        ValueError("a bug in the handler"),
        KeyError("unit_code"),
        FileNotFoundError("templates/vi/case_status.txt"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_an_error_of_the_work_itself_is_not_an_outage(error: BaseException) -> None:
    assert not is_outage(error)
    assert not is_outage(_wrapped(error))


def test_the_sqlstate_is_read_through_the_wrapping() -> None:
    error = asyncpg.exceptions.CannotConnectNowError("not yet accepting connections")
    assert sqlstate(_wrapped(error)) == "57P03"
    integrity = IntegrityError("INSERT", {}, asyncpg.exceptions.UniqueViolationError("dup"))
    assert sqlstate(integrity) == "23505"
    assert not is_outage(integrity)


def test_a_collision_of_two_transactions_is_told_apart_from_a_database_down() -> None:
    from shared.outages import is_conflict

    assert is_conflict(_wrapped(asyncpg.exceptions.DeadlockDetectedError("deadlock detected")))
    assert is_conflict(_wrapped(asyncpg.exceptions.SerializationError("could not serialize")))
    assert not is_conflict(_wrapped(asyncpg.exceptions.CannotConnectNowError("starting up")))
    assert not is_conflict(ConnectionRefusedError(111, "refused"))
