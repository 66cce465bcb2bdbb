"""The batch write path on SQLite (the embedded default): exactly once, exact statistics.

SQLite needs no server, so these run in the unit tier; the same tests against
PostgreSQL (both bulk methods) are in tests/integration/test_store_postgres.py.
"""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import message, payload
from sqlalchemy import Engine, select

from eventtide.consumer.batching import prepare
from eventtide.consumer.store.batch import StorageBatch
from eventtide.consumer.store.write import write_batch
from eventtide.core.db import (
    ConsumerOffset,
    DeadLetter,
    OffsetRow,
    User,
    UserEvent,
    UserStats,
    load_offsets,
    make_engine,
    stats_differences,
    store_offsets,
)
from eventtide.core.db.migrate import upgrade
from eventtide.core.kafka.records import Consumed

pytestmark = pytest.mark.unit


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    return make_engine(url)


def _write(engine: Engine, messages: list[Consumed]) -> tuple[int, int]:
    with engine.begin() as conn:
        result = write_batch(conn, prepare(messages, "g").batch)
    return len(result.inserted), result.duplicates


def test_redelivered_batch_inserts_nothing_and_counts_nothing(engine: Engine) -> None:
    batch = [
        message(payload("u1", "purchase", amount=12.5, minutes=1), 0),
        message(payload("u1", "click", minutes=2), 1),
        message(payload("u2", "page_view", minutes=3, country="JP"), 2),
    ]
    assert _write(engine, batch) == (3, 0)
    assert _write(engine, batch) == (0, 3)
    with engine.connect() as conn:
        assert stats_differences(conn) == []
        stats = {row.user_id: row for row in conn.execute(select(UserStats))}
        assert stats["u1"].total_events == 2
        assert stats["u1"].purchase_count == 1
        assert stats["u1"].total_spent_cents == 1250
        assert stats["u1"].click_count == 1
        assert stats["u2"].total_spent_cents == 0
        users = {row.user_id: row for row in conn.execute(select(User))}
        assert users["u2"].country == "JP"
        assert conn.execute(select(UserEvent.__table__.c.id)).all().__len__() == 3


def test_a_duplicate_within_one_batch_is_stored_once(engine: Engine) -> None:
    event = payload("u1", "purchase", amount=3.0)
    assert _write(engine, [message(event, 0), message(event, 1)]) == (1, 1)
    with engine.connect() as conn:
        assert stats_differences(conn) == []


def test_statistics_follow_event_time_not_arrival_order(engine: Engine) -> None:
    _write(engine, [message(payload("u1", minutes=30, country="US"), 0)])
    _write(engine, [message(payload("u1", minutes=10, country="FR"), 1)])
    with engine.connect() as conn:
        user = conn.execute(select(User)).one()
        stats = conn.execute(select(UserStats)).one()
        assert user.country == "US", "the latest event's country wins, whatever arrives last"
        assert stats.first_seen_at < stats.last_seen_at
        assert stats_differences(conn) == []


def test_offsets_never_move_backwards(engine: Engine) -> None:
    with engine.begin() as conn:
        store_offsets(conn, [OffsetRow("g", "t", 0, 100), OffsetRow("g", "t", 1, 5)])
    with engine.begin() as conn:
        store_offsets(conn, [OffsetRow("g", "t", 0, 40), OffsetRow("g", "t", 1, 9)])
    with engine.connect() as conn:
        assert load_offsets(conn, "g", "t") == {0: 100, 1: 9}
        assert load_offsets(conn, "other", "t") == {}


def test_dead_letters_are_stored_once_per_source_position(engine: Engine) -> None:
    bad = [message(b"{oops", 7), message(b"", 8)]
    _write(engine, bad)
    _write(engine, bad)
    with engine.connect() as conn:
        letters = conn.execute(select(DeadLetter)).all()
        assert sorted((row.source_offset, row.kind) for row in letters) == [
            (7, "malformed_json"),
            (8, "malformed_json"),
        ]
        assert {row.payload for row in letters} == {b"{oops", b""}
        assert conn.execute(select(ConsumerOffset.next_offset)).scalar_one() == 9


def test_a_failed_transaction_leaves_nothing_behind(engine: Engine) -> None:
    batch = prepare([message(payload("u1"), 0)], "g").batch

    def crash_before_commit() -> None:
        with engine.begin() as conn:
            write_batch(conn, batch)
            raise RuntimeError("crash after the writes, before the commit")

    with pytest.raises(RuntimeError):
        crash_before_commit()
    with engine.connect() as conn:
        assert conn.execute(select(UserEvent.__table__.c.id)).all() == []
        assert load_offsets(conn, "g", "t") == {}


users = st.sampled_from(["a", "b", "c", "d"])
kinds = st.sampled_from(["page_view", "click", "purchase"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plan=st.lists(
        st.tuples(users, kinds, st.integers(0, 500), st.integers(1, 9999)), min_size=1, max_size=40
    ),
    seed=st.integers(0, 2**16),
)
def test_stats_equal_recomputation_under_any_replay_pattern(
    tmp_path_factory: pytest.TempPathFactory, plan: list[tuple[str, str, int, int]], seed: int
) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}"
    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(seed)  # noqa: S311
    events = [
        payload(user, kind, minutes=minute, amount=cents / 100, event_id=uuid.uuid4())
        for user, kind, minute, cents in plan
    ]
    deliveries = [message(event, offset) for offset, event in enumerate(events)]
    deliveries += rng.choices(deliveries, k=len(deliveries))  # redeliveries and replays
    rng.shuffle(deliveries)
    while deliveries:
        size = rng.randint(1, 10)
        _write(engine, deliveries[:size])
        deliveries = deliveries[size:]
    with engine.connect() as conn:
        assert stats_differences(conn) == []
        stored = conn.execute(select(UserEvent.__table__.c.event_id)).scalars().all()
    assert sorted(stored) == sorted(uuid.UUID(e["event_id"]) for e in events)
    engine.dispose()


def test_empty_batch_is_fine(engine: Engine) -> None:
    with engine.begin() as conn:
        result = write_batch(conn, StorageBatch())
    assert (result.inserted, result.duplicates, result.dead_letters) == ([], 0, 0)
