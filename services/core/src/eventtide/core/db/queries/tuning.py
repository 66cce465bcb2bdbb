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


PARALLEL_TUPLE_COST: Final = "0.005"
"""What passing one row from a parallel worker to the leader is reckoned to cost, for
reads that group every matching event by computed keys (a trend's bucket and group).
PostgreSQL cannot estimate how many groups those keys make, so it never aggregates in
the workers, and at the default 0.1 per row the Gather of half a million rows looks
dearer than scanning alone; but the per-row work the workers would take over (the
``->>`` extraction, the time zone and ``date_trunc``) is the dear part. With 0.005
(and a setup cost of 100 instead of 1,000) a 30-day daily trend by country at
1,000,000 events scans in parallel: median of 6, 848 ms became 648 ms on the loaded
2-core machine. At 0.03 the planner still chose the serial scan."""


def more_memory(conn: Connection) -> None:
    """Raise ``work_mem`` for the rest of ``conn``'s transaction (PostgreSQL only)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.set_config("work_mem", ANALYTICS_WORK_MEM, True)))


def parallel_scans(conn: Connection) -> None:
    """Let the rest of ``conn``'s transaction scan events in parallel workers even when
    it ships every row to the leader (see :data:`PARALLEL_TUPLE_COST`)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            select(
                func.set_config("parallel_tuple_cost", PARALLEL_TUPLE_COST, True),
                func.set_config("parallel_setup_cost", "100", True),
            )
        )
