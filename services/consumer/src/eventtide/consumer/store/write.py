"""One consumer batch in one transaction: events, users, statistics, identities (links,
persons, traits: ``core/db/identity``), dead letters, offsets.

The caller owns the transaction (``with engine.begin() as conn: write_batch(conn, ...)``),
so either everything of a batch is stored together with the next offsets, or nothing is,
and a restart resumes exactly after the last stored batch.
"""

from __future__ import annotations

from typing import Any, Final

import orjson
from sqlalchemy import Connection, case

from eventtide.consumer.store.batch import (
    BulkMethod,
    DeadLetterRow,
    StorageBatch,
    WriteResult,
    first_of_each,
)
from eventtide.consumer.store.pg_bulk import insert_events
from eventtide.consumer.store.pg_upsert import upsert_users_stats_offsets
from eventtide.core.db.columns import TYPE_COUNT_COLUMNS
from eventtide.core.db.deltas import UserDelta, aggregate
from eventtide.core.db.identity import store_identity
from eventtide.core.db.offsets import store_offsets
from eventtide.core.db.rows import EventRow
from eventtide.core.db.tables import DEAD, EVENTS, STATS, USERS
from eventtide.core.db.upsert import chunks, insert_for

ROWS_PER_STATEMENT: Final = 500


def write_batch(
    conn: Connection,
    batch: StorageBatch,
    bulk: BulkMethod = "copy",
    *,
    likely_duplicates: bool = False,
) -> WriteResult:
    """Store ``batch`` inside the caller's transaction.

    ``likely_duplicates`` is a hint for PostgreSQL's COPY (the previous batch had some,
    see :mod:`eventtide.consumer.store.pg_bulk`); the result is the same either way.
    """
    if conn.dialect.name == "postgresql":
        inserted = insert_events(conn, batch.events, bulk, likely_duplicates=likely_duplicates)
        if batch.dead_letters:
            _insert_dead_letters(conn, batch.dead_letters)
        upsert_users_stats_offsets(conn, _deltas(batch, inserted), batch.offsets)
        store_identity(conn, inserted)
    else:
        rows = first_of_each(batch.events)
        new_ids = _insert_events_portable(conn, rows)
        inserted = [row for row in rows if row.event_id in new_ids]
        deltas = _deltas(batch, inserted)
        _upsert_users(conn, deltas)
        _upsert_stats(conn, deltas)
        store_identity(conn, inserted)
        _insert_dead_letters(conn, batch.dead_letters)
        store_offsets(conn, batch.offsets)
    return WriteResult(inserted, len(batch.events) - len(inserted), len(batch.dead_letters))


def _deltas(batch: StorageBatch, inserted: list[EventRow]) -> list[UserDelta]:
    """The statistics change of the inserted events (the precomputed one if all were new)."""
    if batch.deltas is not None and len(inserted) == len(batch.events):
        return batch.deltas
    return aggregate(inserted)


def _insert_events_portable(conn: Connection, rows: list[EventRow]) -> set[Any]:
    """Multi-row insert through SQLAlchemy (SQLite, and any database without COPY)."""
    new_ids: set[Any] = set()
    values = [
        {
            "event_id": row.event_id,
            "user_id": row.user_id,
            "session_id": row.session_id,
            "event_type": row.event_type,
            "occurred_at": row.occurred_at,
            "received_at": row.received_at,
            "schema_version": row.schema_version,
            "amount_cents": row.amount_cents,
            "currency": row.currency,
            "context": orjson.loads(row.context),
            "properties": orjson.loads(row.properties),
            "kafka_partition": row.kafka_partition,
            "kafka_offset": row.kafka_offset,
        }
        for row in rows
    ]
    for chunk in chunks(values, ROWS_PER_STATEMENT // 4):
        statement = (
            insert_for(conn, EVENTS)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(EVENTS.c.event_id)
        )
        new_ids.update(conn.execute(statement).scalars())
    return new_ids


def _upsert_users(conn: Connection, deltas: list[UserDelta]) -> None:
    for chunk in chunks([delta.user_row() for delta in deltas], ROWS_PER_STATEMENT):
        statement = insert_for(conn, USERS).values(chunk)
        new = statement.excluded
        newer = new.last_seen_at >= USERS.c.last_seen_at
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id"],
                set_={
                    "first_seen_at": _earlier(new.first_seen_at, USERS.c.first_seen_at),
                    "last_seen_at": _later(new.last_seen_at, USERS.c.last_seen_at),
                    "country": case((newer, new.country), else_=USERS.c.country),
                    "platform": case((newer, new.platform), else_=USERS.c.platform),
                },
            )
        )


def _upsert_stats(conn: Connection, deltas: list[UserDelta]) -> None:
    """Add each user's delta to their row; counts and money are sums, times are min/max."""
    summed = ("total_events", "total_spent_cents", *TYPE_COUNT_COLUMNS.values())
    for chunk in chunks([delta.stats_row() for delta in deltas], ROWS_PER_STATEMENT // 2):
        statement = insert_for(conn, STATS).values(chunk)
        new = statement.excluded
        set_: dict[str, Any] = {name: STATS.c[name] + new[name] for name in summed}
        set_["first_seen_at"] = _earlier(new.first_seen_at, STATS.c.first_seen_at)
        set_["last_seen_at"] = _later(new.last_seen_at, STATS.c.last_seen_at)
        conn.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_=set_))


def _insert_dead_letters(conn: Connection, letters: list[DeadLetterRow]) -> None:
    values = [
        {
            "source_topic": letter.source_topic,
            "source_partition": letter.source_partition,
            "source_offset": letter.source_offset,
            "message_key": letter.message_key,
            "payload": letter.payload,
            "kind": letter.kind,
            "field": letter.field,
            "rule": letter.rule,
            "message": letter.message,
            "details": letter.details,
        }
        for letter in letters
    ]
    for chunk in chunks(values, ROWS_PER_STATEMENT // 2):
        conn.execute(
            insert_for(conn, DEAD)
            .values(chunk)
            .on_conflict_do_nothing(
                index_elements=["source_topic", "source_partition", "source_offset"]
            )
        )


def _earlier(new: Any, old: Any) -> Any:
    return case((new < old, new), else_=old)


def _later(new: Any, old: Any) -> Any:
    return case((new > old, new), else_=old)
