"""PostgreSQL upserts of users and statistics as one statement each, rows passed as arrays.

``INSERT ... SELECT FROM unnest(%s::text[], ...)`` sends a whole batch's users as a
handful of array parameters: the statement text is fixed (built once here), so nothing
is compiled per batch, and the server plans it once. Profiling showed SQLAlchemy
spending more time compiling multi-row ``VALUES`` upserts than PostgreSQL spent running
them; SQLite keeps the portable path in :mod:`eventtide.core.db.store`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from psycopg import sql
from sqlalchemy import Connection

from eventtide.core.db.deltas import UserDelta
from eventtide.core.db.models import TYPE_COUNT_COLUMNS

_COUNTS: Final = tuple(TYPE_COUNT_COLUMNS.values())
_STATS_COLUMNS: Final = (
    "user_id",
    "total_events",
    "total_spent_cents",
    "first_seen_at",
    "last_seen_at",
    *_COUNTS,
)
_STATS_TYPES: Final = ("text", "bigint", "bigint", "timestamptz", "timestamptz") + (
    "bigint",
) * len(_COUNTS)
_SUMMED: Final = ("total_events", "total_spent_cents", *_COUNTS)


def _unnest(types: Sequence[str]) -> sql.Composed:
    return sql.SQL("unnest({})").format(
        sql.SQL(", ").join(sql.SQL("%s::{}[]").format(sql.SQL(kind)) for kind in types)
    )


STATS_UPSERT: Final = sql.SQL(
    "INSERT INTO user_stats ({cols}) SELECT * FROM {rows} ON CONFLICT (user_id) DO UPDATE SET "
    "{sums}, first_seen_at = LEAST(user_stats.first_seen_at, EXCLUDED.first_seen_at), "
    "last_seen_at = GREATEST(user_stats.last_seen_at, EXCLUDED.last_seen_at)"
).format(
    cols=sql.SQL(", ").join(map(sql.Identifier, _STATS_COLUMNS)),
    rows=_unnest(_STATS_TYPES),
    sums=sql.SQL(", ").join(
        sql.SQL("{c} = user_stats.{c} + EXCLUDED.{c}").format(c=sql.Identifier(name))
        for name in _SUMMED
    ),
)

USERS_UPSERT: Final = sql.SQL(
    "INSERT INTO users (user_id, first_seen_at, last_seen_at, country, platform) "
    "SELECT * FROM {rows} ON CONFLICT (user_id) DO UPDATE SET "
    "first_seen_at = LEAST(users.first_seen_at, EXCLUDED.first_seen_at), "
    "last_seen_at = GREATEST(users.last_seen_at, EXCLUDED.last_seen_at), "
    "country = CASE WHEN EXCLUDED.last_seen_at >= users.last_seen_at "
    "THEN EXCLUDED.country ELSE users.country END, "
    "platform = CASE WHEN EXCLUDED.last_seen_at >= users.last_seen_at "
    "THEN EXCLUDED.platform ELSE users.platform END"
).format(rows=_unnest(("text", "timestamptz", "timestamptz", "text", "text")))


def upsert_users_and_stats(conn: Connection, deltas: Sequence[UserDelta]) -> None:
    """Apply the batch's per-user deltas (sorted by user id: one lock order for all)."""
    if not deltas:
        return
    raw: Any = conn.connection.driver_connection
    users: list[list[Any]] = [
        [d.user_id for d in deltas],
        [d.first_seen_at for d in deltas],
        [d.last_seen_at for d in deltas],
        [d.country for d in deltas],
        [d.platform for d in deltas],
    ]
    stats: list[list[Any]] = [
        users[0],
        [d.total_events for d in deltas],
        [d.total_spent_cents for d in deltas],
        users[1],
        users[2],
    ]
    stats += [[d.by_type.get(t, 0) for d in deltas] for t in TYPE_COUNT_COLUMNS]
    with raw.cursor() as cur:
        cur.execute(USERS_UPSERT, users)
        cur.execute(STATS_UPSERT, stats)
