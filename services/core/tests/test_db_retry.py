"""Transient database failures are retried with capped, jittered backoff; others are not."""

from __future__ import annotations

import random

import psycopg
import pytest
from sqlalchemy import exc

from eventtide.core.db.retry import backoff, is_transient

pytestmark = pytest.mark.unit


def _wrapped(cls: type[exc.DBAPIError], orig: Exception) -> exc.DBAPIError:
    return cls("INSERT ...", {}, orig)


@pytest.mark.parametrize(
    "error",
    [
        _wrapped(exc.OperationalError, psycopg.errors.DeadlockDetected("deadlock")),
        _wrapped(exc.OperationalError, psycopg.errors.SerializationFailure("serialization")),
        _wrapped(exc.OperationalError, psycopg.OperationalError("connection refused")),
        _wrapped(exc.InterfaceError, psycopg.InterfaceError("connection closed")),
        psycopg.errors.AdminShutdown("terminating connection"),
        psycopg.OperationalError("server closed the connection unexpectedly"),
    ],
)
def test_transient_failures_are_retried(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        _wrapped(exc.IntegrityError, psycopg.errors.UniqueViolation("dup")),
        _wrapped(exc.DataError, psycopg.errors.NumericValueOutOfRange("too big")),
        _wrapped(exc.ProgrammingError, psycopg.errors.UndefinedTable("no table")),
        ValueError("a bug"),
    ],
)
def test_permanent_failures_are_not(error: Exception) -> None:
    assert not is_transient(error)


def test_backoff_is_jittered_exponential_and_capped() -> None:
    delays = backoff(0.1, 2.0, random.Random(7))  # noqa: S311
    taken = [next(delays) for _ in range(200)]
    assert all(0 <= delay <= 2.0 for delay in taken)
    assert all(delay <= 0.1 * 2**i for i, delay in enumerate(taken[:5]))
    assert max(taken[10:]) > 1.0, "the ceiling grows to the cap"
    assert len(set(taken)) == len(taken), "jitter: no two waits alike"
