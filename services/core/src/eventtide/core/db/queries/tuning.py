"""Per-transaction PostgreSQL settings the heavier analytics statements need.

A trend or funnel over a month of events groups a few hundred thousand rows per
statement: at the server's default ``work_mem`` (4 MB) those hash aggregates and sorts
spilled to disk (bench/api at 1,000,000 events: external merges of about 90 MB per
trend statement). ``set_config(..., is_local => true)`` is ``SET LOCAL``: it lasts
until the read's transaction ends, so no other connection of the pool inherits it.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Connection, func, select

ANALYTICS_WORK_MEM: Final = "64MB"
"""Enough for the 143,000 (day, country, user) groups of a 30-day trend at 1M events
(37 MB measured), per sort or hash node; only the analytics reads ask for it."""


def more_memory(conn: Connection) -> None:
    """Raise ``work_mem`` for the rest of ``conn``'s transaction (PostgreSQL only)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.set_config("work_mem", ANALYTICS_WORK_MEM, True)))
