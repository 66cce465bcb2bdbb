"""A client span for database work the SQLAlchemy instrumentation cannot see.

The consumer's COPY runs on psycopg's raw connection, below SQLAlchemy's statement
events, and psycopg's own instrumentation traces ``execute`` but not ``copy``; without
this span the largest write of a batch would be missing from its trace.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind

from eventtide.core.telemetry.setup import tracing_enabled


def db_attributes(operation: str, table: str, rows: int) -> dict[str, Any]:
    """Database semantic-convention attributes (old and stable names, as SQLAlchemy's)."""
    return {
        "db.system": "postgresql",
        "db.system.name": "postgresql",
        "db.operation.name": operation,
        "db.collection.name": table,
        "db.operation.batch.size": rows,
    }


@contextmanager
def db_span(operation: str, table: str, rows: int) -> Iterator[None]:
    """A CLIENT span ``<operation> <table>`` around the block, when tracing is on."""
    if not tracing_enabled():
        yield
        return
    tracer = trace.get_tracer("eventtide.db")
    with tracer.start_as_current_span(
        f"{operation} {table}",
        kind=SpanKind.CLIENT,
        attributes=db_attributes(operation, table, rows),
    ):
        yield
