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


GROUPING_HASH_MEM_MULTIPLIER: Final = "8"
"""How many ``work_mem`` a hash aggregate may hold (``hash_mem_multiplier``) in a trend,
so the planner groups a month of events by hashing, not by sorting them to disk.
It cannot estimate how many (bucket, group, id) groups there are and assumes one per
event: at 10,000,000 events (bench/api) 4,965,596 groups of which it expects some
500 MB, so at the default multiplier (2, 128 MB here) it sorted the month's 4,988,312
``page_view`` rows through 150 MB of temporary files; with 8 (512 MB) it hashes them
into the 444,644 real groups in 135 MB. Whole statement, EXPLAIN ANALYZE on the loaded
2-core machine: see :func:`for_analytics`. A hash aggregate that outgrows the limit
spills to disk in batches, so 512 MB is a ceiling per hash node, not an allocation."""


def for_analytics(conn: Connection, *, parallel: bool = False, hashing: bool = False) -> None:
    """Settings for the rest of ``conn``'s transaction (PostgreSQL only), in one round
    trip: the analytics ``work_mem`` always; with ``parallel``, parallel scans even when
    every row goes to the leader (:data:`PARALLEL_TUPLE_COST`); with ``hashing``, hash
    aggregates where the planner overestimates the groups
    (:data:`GROUPING_HASH_MEM_MULTIPLIER`: the 30-day daily trend of unique users by
    country at 10,000,000 events took a median of 8,519 ms with the default and 6,624 ms
    with it, EXPLAIN ANALYZE, 3 each, alternated; at 1,000,000 events the plan is the
    same either way). One statement, not one per setting: a trend sent three, each a
    round trip to a server process that a busy machine may not schedule at once."""
    if conn.dialect.name != "postgresql":
        return
    settings = [("work_mem", ANALYTICS_WORK_MEM)]
    if parallel:
        settings += [("parallel_tuple_cost", PARALLEL_TUPLE_COST), ("parallel_setup_cost", "100")]
    if hashing:
        settings.append(("hash_mem_multiplier", GROUPING_HASH_MEM_MULTIPLIER))
    conn.execute(select(*(func.set_config(name, value, True) for name, value in settings)))
