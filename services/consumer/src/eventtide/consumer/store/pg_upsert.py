"""PostgreSQL upserts of users, statistics and offsets: fixed statements, rows as one parameter.

A batch's per-user deltas travel as one JSON document (``orjson`` writes the
:class:`~eventtide.core.db.deltas.UserDelta` dataclasses directly, in C) that the
server unpacks with ``jsonb_to_recordset``. The statement text never changes, so
nothing is compiled per batch. Two earlier designs cost more than the rest of the
write path together (bench/consumer): SQLAlchemy compiling multi-row ``VALUES``
upserts, then psycopg dumping sixteen ``unnest`` arrays element by element in Python
(about 1 µs per value). Rows come in user-id order, so every writer locks users in
the same order. SQLite keeps the portable path in :mod:`eventtide.consumer.store.write`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import orjson
from psycopg import sql
from psycopg.types.json import Jsonb
from sqlalchemy import Connection

from eventtide.core.db.columns import TYPE_COUNT_COLUMNS
from eventtide.core.db.deltas import UserDelta
from eventtide.core.db.offsets import OffsetRow

_DELTAS: Final = sql.SQL(
    "jsonb_to_recordset(%s::jsonb) AS d(user_id text, total_events bigint, "
    "total_spent_cents bigint, first_seen_at timestamptz, last_seen_at timestamptz, "
    "country text, platform text, by_type jsonb)"
)
_COUNTS: Final = tuple(TYPE_COUNT_COLUMNS.values())
_SUMMED: Final = ("total_events", "total_spent_cents", *_COUNTS)

STATS_UPSERT: Final = sql.SQL(
    "INSERT INTO user_stats (user_id, total_events, total_spent_cents, first_seen_at, "
    "last_seen_at, {counts}) "
    "SELECT user_id, total_events, total_spent_cents, first_seen_at, last_seen_at, {by_type} "
    "FROM {deltas} ON CONFLICT (user_id) DO UPDATE SET "
    "{sums}, first_seen_at = LEAST(user_stats.first_seen_at, EXCLUDED.first_seen_at), "
    "last_seen_at = GREATEST(user_stats.last_seen_at, EXCLUDED.last_seen_at)"
).format(
    counts=sql.SQL(", ").join(map(sql.Identifier, _COUNTS)),
    by_type=sql.SQL(", ").join(
        sql.SQL("COALESCE((by_type->>{})::bigint, 0)").format(sql.Literal(event_type))
        for event_type in TYPE_COUNT_COLUMNS
    ),
    deltas=_DELTAS,
    sums=sql.SQL(", ").join(
        sql.SQL("{c} = user_stats.{c} + EXCLUDED.{c}").format(c=sql.Identifier(name))
        for name in _SUMMED
    ),
)

USERS_UPSERT: Final = sql.SQL(
    "INSERT INTO users (user_id, first_seen_at, last_seen_at, country, platform) "
    "SELECT user_id, first_seen_at, last_seen_at, country, platform FROM {deltas} "
    "ON CONFLICT (user_id) DO UPDATE SET "
    "first_seen_at = LEAST(users.first_seen_at, EXCLUDED.first_seen_at), "
    "last_seen_at = GREATEST(users.last_seen_at, EXCLUDED.last_seen_at), "
    "country = CASE WHEN EXCLUDED.last_seen_at >= users.last_seen_at "
    "THEN EXCLUDED.country ELSE users.country END, "
    "platform = CASE WHEN EXCLUDED.last_seen_at >= users.last_seen_at "
    "THEN EXCLUDED.platform ELSE users.platform END"
).format(deltas=_DELTAS)

OFFSETS_UPSERT: Final = sql.SQL(
    "INSERT INTO consumer_offsets (group_id, topic, partition, next_offset) "
    "SELECT * FROM unnest(%s::text[], %s::text[], %s::integer[], %s::bigint[]) "
    "ON CONFLICT (group_id, topic, partition) DO UPDATE SET "
    "next_offset = EXCLUDED.next_offset, updated_at = now() "
    "WHERE consumer_offsets.next_offset < EXCLUDED.next_offset"
)


def upsert_users_stats_offsets(
    conn: Connection, deltas: Sequence[UserDelta], offsets: Sequence[OffsetRow]
) -> None:
    """Apply the batch's per-user deltas and record its next offsets, in one round trip.

    The three statements go out together in libpq's pipeline mode: each would otherwise
    wait a round trip and, on the consumer's writer thread, for the GIL after it.
    Deltas are sorted by user id (one lock order for all); offsets never move backwards
    (a zombie batch cannot rewind a partition).
    """
    if not deltas and not offsets:
        return
    raw: Any = conn.connection.driver_connection
    with raw.pipeline(), raw.cursor() as cur:
        if deltas:
            document = Jsonb(deltas, dumps=orjson.dumps)
            cur.execute(USERS_UPSERT, (document,))
            cur.execute(STATS_UPSERT, (document,))
        if offsets:
            ordered = sorted(offsets, key=lambda o: (o.topic, o.partition))
            cur.execute(
                OFFSETS_UPSERT,
                [
                    [o.group_id for o in ordered],
                    [o.topic for o in ordered],
                    [o.partition for o in ordered],
                    [o.next_offset for o in ordered],
                ],
            )
