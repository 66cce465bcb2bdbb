"""Dialect-aware ``INSERT ... ON CONFLICT`` for PostgreSQL and SQLite (same syntax, two modules)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(conn: Connection, table: Table) -> Any:
    """An ``Insert`` that has ``on_conflict_do_nothing/update`` and ``excluded`` on this dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(
        f"eventtide stores into PostgreSQL or SQLite, not {conn.dialect.name}"
    )


def chunks(rows: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    """``rows`` cut into lists of at most ``size`` (bound parameters per statement are limited)."""
    return [rows[start : start + size] for start in range(0, len(rows), size)]
