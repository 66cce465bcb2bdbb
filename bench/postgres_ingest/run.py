"""PostgreSQL bulk ingest: COPY against multi-row INSERT for event-shaped rows.

The consumer must take batches by COPY or multi-row INSERT and keep the faster; this
measures both on the same server in the same invocation, so the choice rests on a
figure from this machine rather than on folklore.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from bench.harness import Comparison, Series, parse_args, repeat, report
from eventtide.core.db import libpq_url

Row = tuple[uuid.UUID, str, str, datetime, Jsonb]
INSERT_CHUNK = 1000
DROP = "DROP TABLE IF EXISTS bench_ingest"
CREATE = (
    "CREATE TABLE bench_ingest (event_id uuid PRIMARY KEY, user_id text NOT NULL, "
    "event_type text NOT NULL, occurred_at timestamptz NOT NULL, properties jsonb)"
)
COPY = "COPY bench_ingest (event_id, user_id, event_type, occurred_at, properties) FROM STDIN"
INSERT_HEAD = "INSERT INTO bench_ingest (event_id, user_id, event_type, occurred_at, properties) "
ROW_PLACEHOLDERS = sql.SQL("(%s, %s, %s, %s, %s)")


def make_rows(count: int) -> list[Row]:
    """Event-shaped rows: uuid key, user, type, event time and a JSON properties blob."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        (
            uuid.uuid4(),
            f"user-{index % 5000}",
            ("page_view", "click", "purchase")[index % 3],
            start + timedelta(milliseconds=index),
            Jsonb({"page": f"/p/{index % 97}", "amount": index % 250, "currency": "EUR"}),
        )
        for index in range(count)
    ]


def reset(conn: psycopg.Connection[Any]) -> None:
    """An empty table with the primary key, as the consumer's table has."""
    conn.execute(DROP)
    conn.execute(CREATE)
    conn.commit()


def by_copy(conn: psycopg.Connection[Any], rows: Sequence[Row]) -> None:
    """One COPY stream for the whole batch."""
    with conn.cursor() as cur, cur.copy(COPY) as copy:
        for row in rows:
            copy.write_row(row)
    conn.commit()


def by_multirow_insert(conn: psycopg.Connection[Any], rows: Sequence[Row]) -> None:
    """INSERT ... VALUES with many rows per statement, parameters bound."""
    with conn.cursor() as cur:
        for offset in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[offset : offset + INSERT_CHUNK]
            values = sql.SQL(", ").join([ROW_PLACEHOLDERS] * len(chunk))
            statement = sql.SQL(INSERT_HEAD + "VALUES {}").format(values)
            cur.execute(statement, [value for row in chunk for value in row])
    conn.commit()


def main(argv: Sequence[str] | None = None) -> int:
    """Measure both loaders ``--runs`` times and write the comparison."""
    args = parse_args(__doc__ or "", argv)
    url = os.environ.get("DATABASE_URL")
    if not url:
        print("DATABASE_URL is not set; run through `make bench` or `python -m bench`")
        return 2
    count = 5_000 if args.quick else 100_000
    copy_rate = Series("COPY", "rows/s")
    insert_rate = Series(f"multi-row INSERT ({INSERT_CHUNK}/stmt)", "rows/s")
    with psycopg.connect(libpq_url(url)) as conn:

        def once(_index: int) -> dict[str, float]:
            figures = {}
            for series, load in ((copy_rate, by_copy), (insert_rate, by_multirow_insert)):
                rows = make_rows(count)
                reset(conn)
                started = time.perf_counter()
                load(conn, rows)
                rate = count / (time.perf_counter() - started)
                series.values.append(rate)
                figures[series.name] = rate
            return figures

        repeat(args.runs, "postgres_ingest", once)
        server = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        conn.execute(DROP)
        conn.commit()
    report(
        "postgres_ingest",
        [Comparison("rows into an indexed events table", copy_rate, insert_rate)],
        quick=args.quick,
        parameters={"rows_per_run": count, "runs": args.runs, "insert_chunk": INSERT_CHUNK},
        extra_versions={"postgresql": server, "orjson": orjson.__version__},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
