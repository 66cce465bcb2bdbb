"""PostgreSQL bulk insert of events through psycopg 3: COPY or multi-row INSERT.

Both insert into ``user_events`` with ``ON CONFLICT (event_id) DO NOTHING`` and return
the ids actually inserted, which is what the statistics are updated from. COPY cannot
skip conflicts itself, so it fills a per-connection temporary table that is then moved
over with one ``INSERT ... SELECT``. bench/consumer measures both (docs/consumer.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final, Literal

from psycopg import sql
from sqlalchemy import Connection

from eventtide.core.db.rows import EventRow

BulkMethod = Literal["copy", "insert"]

COLUMNS: Final = (
    "event_id",
    "user_id",
    "session_id",
    "event_type",
    "occurred_at",
    "received_at",
    "schema_version",
    "amount_cents",
    "currency",
    "context",
    "properties",
    "kafka_partition",
    "kafka_offset",
)
INSERT_CHUNK: Final = 1000
"""Rows per multi-row INSERT: 13 000 parameters, well under psycopg's 65 535."""

_COLUMN_LIST: Final = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
_CREATE_STAGING: Final = sql.SQL(
    "CREATE TEMPORARY TABLE IF NOT EXISTS incoming_events ("
    "event_id uuid, user_id text, session_id text, event_type text, occurred_at timestamptz, "
    "received_at timestamptz, schema_version integer, amount_cents bigint, currency text, "
    "context json, properties json, kafka_partition integer, kafka_offset bigint"
    ") ON COMMIT DELETE ROWS"
)
_COPY: Final = sql.SQL("COPY incoming_events ({}) FROM STDIN").format(_COLUMN_LIST)
_MOVE: Final = sql.SQL(
    "INSERT INTO user_events ({cols}) SELECT {cols} FROM incoming_events "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
).format(cols=_COLUMN_LIST)
_ROW: Final = sql.SQL("({})").format(sql.SQL(", ").join([sql.Placeholder()] * len(COLUMNS)))


def _values(row: EventRow) -> tuple[Any, ...]:
    return (
        row.event_id,
        row.user_id,
        row.session_id,
        row.event_type,
        row.occurred_at,
        row.received_at,
        row.schema_version,
        row.amount_cents,
        row.currency,
        row.context,
        row.properties,
        row.kafka_partition,
        row.kafka_offset,
    )


def insert_events(conn: Connection, rows: Sequence[EventRow], method: BulkMethod) -> set[uuid.UUID]:
    """Insert ``rows`` in the connection's transaction; the ids that were new."""
    if not rows:
        return set()
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cur:
        if method == "copy":
            cur.execute(_CREATE_STAGING)
            with cur.copy(_COPY) as copy:
                for row in rows:
                    copy.write_row(_values(row))
            cur.execute(_MOVE)
            return {found[0] for found in cur.fetchall()}
        inserted: set[uuid.UUID] = set()
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            statement = sql.SQL(
                "INSERT INTO user_events ({}) VALUES {} "
                "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
            ).format(_COLUMN_LIST, sql.SQL(", ").join([_ROW] * len(chunk)))
            cur.execute(statement, [value for row in chunk for value in _values(row)])
            inserted.update(found[0] for found in cur.fetchall())
        return inserted
