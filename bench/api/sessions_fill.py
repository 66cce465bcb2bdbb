"""The ``sessions`` rows a live pipeline would leave next to the backfilled events.

The backfill stores events through the consumer's write path only, so the processor's
``sessions`` table would stay empty and the profile (which reads the person's
sessions) would be measured against nothing. This fills it by the processor's rule (a
gap longer than ``session_gap`` starts a new session) in one SQL statement over
``user_events``, so the profile reads a table of the size and shape it meets in
production; tests/integration/test_bench_sessions_fill.py compares it with the
processor's sessionizer. A run longer than ``session_max`` (which the generator's users
do not make) is cut at multiples of it from the run's start, where the processor would
count again from the first event past it.
"""

from __future__ import annotations

import psycopg

from eventtide.core.db import libpq_url
from eventtide.processor.config import ProcessorConfig

SESSIONIZE = """
WITH marked AS (
    SELECT user_id, event_id, event_type, amount_cents, context->>'page' AS page,
           (extract(epoch FROM occurred_at) * 1000000)::bigint AS ts,
           lag((extract(epoch FROM occurred_at) * 1000000)::bigint)
               OVER (PARTITION BY user_id ORDER BY occurred_at, event_id) AS previous
    FROM user_events
), numbered AS (
    SELECT *, sum(CASE WHEN previous IS NULL OR ts - previous > %(gap)s THEN 1 ELSE 0 END)
                  OVER (PARTITION BY user_id ORDER BY ts, event_id) AS run
    FROM marked
), capped AS (
    SELECT *, (ts - min(ts) OVER (PARTITION BY user_id, run)) / %(cap)s AS part
    FROM numbered
)
INSERT INTO sessions (session_id, user_id, started_at, ended_at, events, page_views,
                      entry_page, exit_page, converted, revenue_cents, purchases, final)
SELECT md5(user_id || ':' || run || ':' || part)::uuid::text, user_id, min(ts), max(ts),
       count(*), count(*) FILTER (WHERE event_type = 'page_view'),
       coalesce((array_agg(page ORDER BY ts, event_id))[1], ''),
       coalesce((array_agg(page ORDER BY ts DESC, event_id DESC))[1], ''),
       bool_or(event_type = 'purchase'),
       coalesce(sum(amount_cents) FILTER (WHERE event_type = 'purchase'), 0),
       count(*) FILTER (WHERE event_type = 'purchase'), true
FROM capped
GROUP BY user_id, run, part
"""


def sessionize(database_url: str) -> int:
    """Fill ``sessions`` from ``user_events`` once; returns how many sessions there are.

    A kept database (``BENCH_API_REUSE``) whose table is filled already is left as it is.
    """
    config = ProcessorConfig()
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        held = conn.execute("SELECT count(*) FROM sessions").fetchone()
        if held is not None and held[0]:
            return int(held[0])
        written = conn.execute(
            SESSIONIZE, {"gap": config.session_gap, "cap": config.session_max}
        ).rowcount
        conn.execute("ANALYZE sessions")
    return written
