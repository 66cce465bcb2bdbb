"""The behaviour detector's checkpoint rows on SQLite (the embedded default); PostgreSQL
runs them in ``tests/integration/test_ml_behave.py``. A header row per partition and
event segments keyed by hop and number; a change replaces the header, adds its segments,
deletes every segment of the hops let go and those of a compacted hop below its new
one, and no other group's or partition's."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from eventtide.core.db import make_engine
from eventtide.core.db.behaviour import (
    ROWS_PER_STATEMENT,
    PartitionChange,
    StoredPartition,
    load_partition_states,
    save_partition_states,
    segment_hop,
    segment_key,
)
from eventtide.core.db.migrate import upgrade

pytestmark = pytest.mark.unit

HOUR = 3_600_000_000


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    url = f"sqlite:///{tmp_path_factory.mktemp('behave') / 'b.db'}"
    upgrade(url)
    return make_engine(url)


def test_segments_accumulate_and_go_with_their_hop(engine: Engine) -> None:
    first = {segment_key(0, 0): "a", segment_key(HOUR, 1): "b"}
    many = {segment_key(HOUR * (i % 30), i): str(i) for i in range(ROWS_PER_STATEMENT + 5)}
    with engine.begin() as conn:
        save_partition_states(conn, "g", "t", {
            0: PartitionChange('{"late":0}', first, []),
            1: PartitionChange('{"late":1}', many, []),
        })  # fmt: skip
        save_partition_states(conn, "other", "t", {0: PartitionChange("{}", first, [])})
    with engine.begin() as conn:  # the next batch: hour 1 grows, hour 0 is let go
        save_partition_states(conn, "g", "t", {
            0: PartitionChange('{"late":3}', {segment_key(HOUR, 2): "c"}, [0]),
        })  # fmt: skip
    with engine.connect() as conn:
        stored = load_partition_states(conn, "g", "t", [0, 1, 2])
        other = load_partition_states(conn, "other", "t", [0])
        assert load_partition_states(conn, "g", "t", []) == {}
    assert stored[0] == StoredPartition(
        '{"late":3}', {segment_key(HOUR, 1): "b", segment_key(HOUR, 2): "c"}
    )
    with engine.begin() as conn:  # hour 1 compacted: one segment with all of it
        save_partition_states(conn, "g", "t", {
            0: PartitionChange("{}", {segment_key(HOUR, 3): "bc", segment_key(2 * HOUR, 4): "d"},
                               [], {HOUR: 3}),
        })  # fmt: skip
    with engine.connect() as conn:
        compacted = load_partition_states(conn, "g", "t", [0])[0].segments
    assert compacted == {segment_key(HOUR, 3): "bc", segment_key(2 * HOUR, 4): "d"}
    assert stored[1] == StoredPartition('{"late":1}', many)
    assert 2 not in stored
    assert other == {0: StoredPartition("{}", first)}
    # keys sort by hop, then by number, and name their hop
    assert sorted(many) == sorted(many, key=lambda k: (segment_hop(k), int(k[-12:])))
    assert {segment_hop(k) for k in many} == {HOUR * h for h in range(30)}
