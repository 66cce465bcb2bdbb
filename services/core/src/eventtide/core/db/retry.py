"""Which database errors are worth retrying, and how long to wait between attempts.

Transient failures (the database restarting or unreachable, a deadlock, a serialization
failure, SQLite being busy) are retried forever with capped exponential backoff and full
jitter, so consumers that failed together do not retry in lockstep. They are never
dead-lettered: the data was fine, the database was not.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import psycopg
from sqlalchemy import exc


def is_transient(error: BaseException) -> bool:
    """True when retrying the same transaction later may succeed."""
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
        return True
    if isinstance(error, exc.StatementError) and error.orig is not None:
        return is_transient(error.orig)
    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)


def backoff(initial_s: float, max_s: float, rng: random.Random | None = None) -> Iterator[float]:
    """Endless delays: uniform in [0, min(max, initial * 2^n)] ("full jitter")."""
    rng = rng or random.Random()  # noqa: S311 - jitter, not security
    ceiling = initial_s
    while True:
        yield rng.uniform(0, ceiling)
        ceiling = min(max_s, ceiling * 2)
