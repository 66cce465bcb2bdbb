"""PostgreSQL bulk insert of events through psycopg 3: COPY or multi-row INSERT.

Every path stores each ``event_id`` at most once and returns the rows it actually
inserted, which is what the statistics are updated from.

COPY (the default) is optimistic. Duplicates are rare (a producer retry, a replay, a
zombie batch after a rebalance), so the batch is first copied straight into
``user_events`` inside a savepoint; the unique index on ``event_id`` refuses the whole
COPY if any row was stored before (or repeats within the batch), and then the savepoint
is rolled back and the batch takes the careful path: COPY into a per-connection
temporary table and one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING``.
The straight COPY wrote about 100,000 rows/s here against 65,000 for the careful path
(docs/consumer.md), and it never skips a duplicate silently: it stores every row or
none. A concurrent writer of the same ``event_id`` makes it wait for that transaction
and then fail over, like ON CONFLICT.

COPY uses the binary format: the server does not parse times and UUIDs from text, and
psycopg's C dumpers write them faster than Python formats text. The ``jsonb`` columns
take the row's already-serialized JSON text as it is: psycopg's ``jsonb`` binary
dumper, told on this cursor that the text is its own serialization, adds only the
format's version byte (its default would encode the text as a JSON string).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final

from psycopg import errors, sql
from psycopg.types.json import set_json_dumps
from sqlalchemy import Connection

from eventtide.consumer.store.batch import BulkMethod, first_of_each
from eventtide.core.db.rows import EVENT_COLUMNS, EventRow
from eventtide.core.telemetry.db import db_span

COLUMNS: Final = EVENT_COLUMNS
COPY_TYPES: Final = (
    "uuid", "text", "text", "text", "timestamptz", "timestamptz", "int4", "int8", "text",
    "jsonb", "jsonb", "int4", "int8",
)  # fmt: skip
"""Binary COPY types per column (the JSON columns: see the module doc)."""
INSERT_CHUNK: Final = 1000
"""Rows per multi-row INSERT: 13 000 parameters, well under psycopg's 65 535."""
WIDTH: Final = len(COLUMNS)

_COLUMN_LIST: Final = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
_CREATE_STAGING: Final = sql.SQL(
    "CREATE TEMPORARY TABLE IF NOT EXISTS incoming_events ("
    "event_id uuid, user_id text, session_id text, event_type text, occurred_at timestamptz, "
    "received_at timestamptz, schema_version integer, amount_cents bigint, currency text, "
    "context jsonb, properties jsonb, kafka_partition integer, kafka_offset bigint"
    ") ON COMMIT DELETE ROWS"
)
_COPY_DIRECT: Final = sql.SQL("COPY user_events ({}) FROM STDIN (FORMAT BINARY)").format(
    _COLUMN_LIST
)
_COPY_STAGING: Final = sql.SQL("COPY incoming_events ({}) FROM STDIN (FORMAT BINARY)").format(
    _COLUMN_LIST
)
_MOVE: Final = sql.SQL(
    "INSERT INTO user_events ({cols}) SELECT {cols} FROM incoming_events "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
).format(cols=_COLUMN_LIST)
_ROW: Final = sql.SQL("({})").format(sql.SQL(", ").join([sql.Placeholder()] * WIDTH))
_SAVEPOINT: Final = sql.SQL("SAVEPOINT eventtide_copy")
_ROLLBACK_TO: Final = sql.SQL("ROLLBACK TO SAVEPOINT eventtide_copy")


def insert_events(
    conn: Connection,
    rows: Sequence[EventRow],
    method: BulkMethod,
    *,
    likely_duplicates: bool = False,
) -> list[EventRow]:
    """Insert ``rows`` in the connection's transaction; the rows that were new.

    ``likely_duplicates`` skips the optimistic COPY when the caller has just seen
    duplicates (a replay tends to continue), so it is not tried and undone every batch.
    """
    if not rows:
        return []
    raw: Any = conn.connection.driver_connection
    operation = "INSERT" if method == "insert" else "COPY"
    with db_span(operation, "user_events", len(rows)), raw.cursor() as cur:
        set_json_dumps(_already_json, context=cur)
        if method == "insert":
            return _insert_values(cur, first_of_each(list(rows)))
        if not likely_duplicates and _copy_all_or_none(cur, rows):
            return list(rows)
        return _copy_skipping_duplicates(cur, first_of_each(list(rows)))


def _already_json(text: Any) -> Any:
    """A row's context or properties: JSON text already (see the module doc)."""
    return text


def _copy_all_or_none(cur: Any, rows: Sequence[EventRow]) -> bool:
    """COPY every row straight into ``user_events``; False (and nothing stored) on a duplicate."""
    cur.execute(_SAVEPOINT)
    try:
        with cur.copy(_COPY_DIRECT) as copy:
            copy.set_types(COPY_TYPES)
            write = copy.write_row
            for row in rows:
                write(row[:WIDTH])
    except errors.UniqueViolation:
        cur.execute(_ROLLBACK_TO)
        return False
    return True  # the savepoint ends with the transaction; releasing it costs a round trip


def _copy_skipping_duplicates(cur: Any, rows: list[EventRow]) -> list[EventRow]:
    """COPY into the staging table, then move what is new; ``rows`` have distinct ids."""
    cur.execute(_CREATE_STAGING)
    with cur.copy(_COPY_STAGING) as copy:
        copy.set_types(COPY_TYPES)
        write = copy.write_row
        for row in rows:
            write(row[:WIDTH])
    cur.execute(_MOVE)
    return _only_new(rows, {found[0] for found in cur.fetchall()})


def _insert_values(cur: Any, rows: list[EventRow]) -> list[EventRow]:
    """Multi-row ``INSERT ... ON CONFLICT DO NOTHING``; ``rows`` have distinct ids."""
    new_ids: set[uuid.UUID] = set()
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        statement = sql.SQL(
            "INSERT INTO user_events ({}) VALUES {} "
            "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
        ).format(_COLUMN_LIST, sql.SQL(", ").join([_ROW] * len(chunk)))
        cur.execute(statement, [value for row in chunk for value in row[:WIDTH]])
        new_ids.update(found[0] for found in cur.fetchall())
    return _only_new(rows, new_ids)


def _only_new(rows: list[EventRow], new_ids: set[uuid.UUID]) -> list[EventRow]:
    if len(new_ids) == len(rows):
        return rows
    return [row for row in rows if row.event_id in new_ids]
