"""The outbox table's statements on SQLite (the embedded default); PostgreSQL runs them
in the services' kill tests. Deletes go by id, so a stale or repeated one is harmless."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from eventtide.core.db import make_engine
from eventtide.core.db.migrate import upgrade
from eventtide.core.db.outbox import count_outbox, delete_outbox, insert_outbox, load_outbox
from eventtide.core.kafka.codec import WireMessage
from eventtide.core.transactional.outbox import Outbox
from eventtide.core.transactional.outbox_rows import OutRecord, unpack_records

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    url = f"sqlite:///{tmp_path_factory.mktemp('outbox') / 'o.db'}"
    upgrade(url)
    return make_engine(url)


def test_rows_are_stored_read_back_and_deleted_by_id(engine: Engine) -> None:
    with engine.begin() as conn:
        first = insert_outbox(
            conn, group_id="g", topic="t", partitions="0,2", records=b"a", count=1
        )
        second = insert_outbox(conn, group_id="g", topic="t", partitions="1", records=b"b", count=1)
        insert_outbox(conn, group_id="other", topic="t", partitions="0", records=b"c", count=1)
    assert second > first
    with engine.connect() as conn:
        assert load_outbox(conn, "g", "t") == [(first, "0,2", b"a"), (second, "1", b"b")]
    for _ in range(2):  # the second delete finds nothing: harmless
        with engine.begin() as conn:
            delete_outbox(conn, [first, 10_000])
    with engine.connect() as conn:
        assert load_outbox(conn, "g", "t") == [(second, "1", b"b")]
        assert count_outbox(conn, "other", "t") == 1


def test_a_batch_stores_one_row_and_deletes_what_was_acknowledged(engine: Engine) -> None:
    outbox = Outbox(engine=engine, group_id="b", topic="t", producers=[])
    records = [OutRecord("x", WireMessage("k", b"1", b"{}", []))] * 3
    packed = outbox.pack([], [0])
    assert packed is None
    with pytest.raises(ValueError, match="no producer for output topics \\['x'\\]"):
        outbox.pack(records, [0])
    outbox.producers["x"] = None  # type: ignore[assignment]  # packing only checks the name
    packed = outbox.pack(records, [3, 1])
    assert packed is not None
    with engine.begin() as conn:
        stored = outbox.store(conn, packed)
    assert stored.row_id is not None
    assert stored.deleted == frozenset()
    with engine.connect() as conn:
        ((row_id, partitions, payload),) = load_outbox(conn, "b", "t")
    assert (row_id, partitions, unpack_records(payload)) == (stored.row_id, "1,3", records)
    outbox.acks.sent(row_id, 1)
    outbox.acks.report(row_id, True)
    with engine.begin() as conn:
        emptied = outbox.store(conn, None)  # the next batch, with no records of its own
    assert emptied == type(emptied)(None, frozenset({row_id}))
    with engine.connect() as conn:
        assert load_outbox(conn, "b", "t") == []
