"""The batch write path on PostgreSQL with both bulk methods (COPY and multi-row INSERT)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import select, text

from eventtide.consumer.batching import prepare
from eventtide.consumer.store.write import write_batch
from eventtide.core.db import (
    UserEvent,
    load_offsets,
    make_engine,
    stats_differences,
)
from eventtide.core.db.migrate import current_revision, head_revision
from eventtide.core.db.recompute_hours import hours_differences
from eventtide.core.kafka.records import Consumed

pytestmark = pytest.mark.integration

T0 = datetime(2025, 6, 1, tzinfo=UTC)


def _event(user: str, kind: str, minute: int, cents: int = 1000) -> bytes:
    properties: dict[str, object] = {}
    if kind == "purchase":
        amount = cents / 100
        properties = {
            "order_id": "o", "items": [{"product_id": "p", "price": amount, "quantity": 1}],
            "amount": amount, "currency": "USD",
        }  # fmt: skip
    at = (T0 + timedelta(minutes=minute)).isoformat()
    return orjson.dumps(
        {
            "event_id": str(uuid.uuid4()), "event_type": kind, "user_id": user, "session_id": "s",
            "occurred_at": at, "received_at": at,
            "context": {"platform": "ios", "device": "mobile", "country": "BR", "page": "/x"},
            "properties": properties,
        }
    )  # fmt: skip


def _messages(count: int, start_offset: int = 0) -> list[Consumed]:
    kinds = ("page_view", "purchase", "page_view", "logout")
    return [
        Consumed("t", i % 3, start_offset + i, b"k", _event(f"u{i % 17}", kinds[i % 4], i, 100 + i))
        for i in range(count)
    ]


def test_migrations_reach_head(fresh_database_url: str) -> None:
    assert current_revision(fresh_database_url) == head_revision()


@pytest.mark.parametrize("bulk", ["copy", "insert"])
def test_bulk_write_is_idempotent_and_stats_exact(fresh_database_url: str, bulk: str) -> None:
    engine = make_engine(fresh_database_url)
    messages = _messages(2_500)
    messages.append(Consumed("t", 0, 9_999, None, b"\x00\xff not json"))
    batch = prepare(messages, "g").batch
    with engine.begin() as conn:
        first = write_batch(conn, batch, bulk)  # type: ignore[arg-type]
    with engine.begin() as conn:
        again = write_batch(conn, batch, bulk)  # type: ignore[arg-type]
    assert (len(first.inserted), first.duplicates, first.dead_letters) == (2_500, 0, 1)
    assert (len(again.inserted), again.duplicates) == (0, 2_500)
    with engine.connect() as conn:
        assert stats_differences(conn) == []
        assert hours_differences(conn) == []
        assert conn.execute(text("SELECT count(*) FROM dead_letters")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM user_events")).scalar_one() == 2_500
        assert load_offsets(conn, "g", "t") == {0: 10_000, 1: 2_498, 2: 2_499}
        spent = conn.execute(text("SELECT sum(total_spent_cents) FROM user_stats")).scalar_one()
        assert spent == sum(100 + i for i in range(2_500) if i % 4 == 1)
    engine.dispose()


def test_two_writers_racing_on_the_same_events_count_each_once(fresh_database_url: str) -> None:
    """A zombie and the new owner of a partition write overlapping batches at once."""
    engine = make_engine(fresh_database_url)
    messages = _messages(3_000)
    batches = [prepare(messages[:2_000], "g").batch, prepare(messages[1_000:], "g").batch]
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            with engine.begin() as conn:
                write_batch(conn, batches[index], "copy")
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        ids = conn.execute(select(UserEvent.__table__.c.event_id)).scalars().all()
        assert len(ids) == len(set(ids)) == 3_000
        assert stats_differences(conn) == []
        assert hours_differences(conn) == []
    engine.dispose()


def test_event_hours_follow_inserts_deletes_updates_and_truncation(
    fresh_database_url: str,
) -> None:
    """The triggers keep ``event_hours`` equal to a recomputation whatever writes the
    events; the comparison names a corrupted row."""
    engine = make_engine(fresh_database_url)
    with engine.begin() as conn:
        write_batch(conn, prepare(_messages(600), "g").batch, "copy")
    steps = [
        "DELETE FROM user_events WHERE user_id = 'u3'",
        "DELETE FROM user_events WHERE event_type = 'purchase' AND kafka_offset % 5 = 0",
        "UPDATE user_events SET amount_cents = NULL WHERE event_type = 'purchase' "
        "AND kafka_offset % 7 = 1",
        'UPDATE user_events SET context = context || \'{"country": "PT"}\' '
        "WHERE kafka_offset % 3 = 0",
        "UPDATE user_events SET occurred_at = occurred_at + interval '90 minutes' "
        "WHERE user_id = 'u5'",
    ]
    for step in steps:
        with engine.begin() as conn:
            conn.execute(text(step))
            assert hours_differences(conn) == [], step
    with engine.begin() as conn:
        hours = conn.execute(text("SELECT count(*) FROM event_hours")).scalar_one()
        assert hours > 100
        conn.execute(
            text(
                "UPDATE event_hours SET events = events + 1 WHERE ctid = "
                "(SELECT min(ctid) FROM event_hours WHERE user_id = 'u1')"
            )
        )
        (line,) = hours_differences(conn)
        assert line.startswith("event_hours (")
        assert ", u1, " in line
        assert "events stored" in line
        conn.execute(text("TRUNCATE user_events"))
        assert conn.execute(text("SELECT count(*) FROM event_hours")).scalar_one() == 0
    engine.dispose()


def test_copy_stores_json_columns_as_the_objects_they_were(fresh_database_url: str) -> None:
    """Binary COPY sends the serialized JSON byte for byte (psycopg's ``json`` dumper would
    have stored each document as one JSON string)."""
    engine = make_engine(fresh_database_url)
    batch = prepare(_messages(8), "g").batch
    with engine.begin() as conn:
        write_batch(conn, batch, "copy")
    with engine.connect() as conn:
        stored = {
            row.event_id: row
            for row in conn.execute(
                text(
                    "SELECT event_id, context, properties, jsonb_typeof(context) AS kind, "
                    "occurred_at, kafka_partition, kafka_offset, amount_cents FROM user_events"
                )
            )
        }
    assert len(stored) == 8
    for row in batch.events:
        found = stored[row.event_id]
        assert found.kind == "object"
        assert found.context == orjson.loads(row.context)
        assert found.properties == orjson.loads(row.properties)
        assert (found.occurred_at, found.amount_cents) == (row.occurred_at, row.amount_cents)
        assert (found.kafka_partition, found.kafka_offset) == (
            row.kafka_partition,
            row.kafka_offset,
        )
    engine.dispose()


@pytest.mark.parametrize("likely_duplicates", [False, True])
def test_a_batch_with_stored_and_repeated_events_inserts_only_the_new_ones(
    fresh_database_url: str, likely_duplicates: bool
) -> None:
    """The straight COPY is refused as a whole and the batch falls back (or, when
    duplicates were expected, goes there directly): same rows and statistics either way."""
    engine = make_engine(fresh_database_url)
    messages = _messages(300)
    with engine.begin() as conn:
        write_batch(conn, prepare(messages[:100], "g").batch, "copy")
    mixed = prepare([*messages[50:], messages[200], messages[299]], "g").batch
    with engine.begin() as conn:
        result = write_batch(conn, mixed, "copy", likely_duplicates=likely_duplicates)
    assert (len(result.inserted), result.duplicates) == (200, 52)
    assert {row.event_id for row in result.inserted} == {
        row.event_id for row in prepare(messages[100:], "g").batch.events
    }
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM user_events")).scalar_one() == 300
        assert stats_differences(conn) == []
        assert load_offsets(conn, "g", "t") == {0: 298, 1: 299, 2: 300}
    engine.dispose()
