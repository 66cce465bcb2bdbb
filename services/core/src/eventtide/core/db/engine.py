"""Engines for PostgreSQL (psycopg 3) and SQLite, configured the same way everywhere."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from eventtide.core.db.settings import check_database_url
from eventtide.core.errors import ConfigError
from eventtide.core.telemetry.setup import tracing_enabled

PG_CONNECT_TIMEOUT_S = 10
"""libpq's connect_timeout for every PostgreSQL connection."""


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here (the one driver we ship)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def libpq_url(url: str) -> str:
    """The same URL for psycopg or psql, which do not know SQLAlchemy's ``+psycopg``."""
    return normalize_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


def is_sqlite(url: str) -> bool:
    """True for SQLite URLs."""
    return make_url(normalize_url(url)).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with liveness checks; SQLite gets WAL and a busy timeout.

    ``pool_pre_ping`` turns a connection killed by a database restart into a fresh one
    instead of an error on the next batch.
    """
    try:
        check_database_url(url)
    except ValueError as error:
        raise ConfigError("DATABASE_URL", str(error)) from error
    url = normalize_url(url)
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # A host that drops packets would otherwise hold a connect for minutes (TCP's own
        # retries); 10 s is far above a healthy connect and short enough to say what is wrong.
        kwargs.setdefault("connect_args", {"connect_timeout": PG_CONNECT_TIMEOUT_S})
        engine = create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2, **kwargs)
    if tracing_enabled():
        from eventtide.core.telemetry.tracing import instrument_engine

        instrument_engine(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers (the CLI, the live view) run while the consumer writes."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
