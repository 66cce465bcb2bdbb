"""The behaviour detector's checkpoint rows on SQLite (the embedded default); PostgreSQL
runs them in ``tests/integration/test_ml_behave.py``. A header row per partition, a row
per pane; a change replaces the header, writes its panes and deletes those let go."""

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
)
from eventtide.core.db.migrate import upgrade

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    url = f"sqlite:///{tmp_path_factory.mktemp('behave') / 'b.db'}"
    upgrade(url)
    return make_engine(url)


def test_changes_accumulate_into_the_partitions_rows(engine: Engine) -> None:
    many = {f"u{i}\x1f0": f"[{i}]" for i in range(ROWS_PER_STATEMENT + 5)}
    with engine.begin() as conn:
        save_partition_states(conn, "g", "t", {
            0: PartitionChange('{"late":0}', {"a\x1f0": "[1]", "b\x1f0": "[2]"}, []),
            1: PartitionChange('{"late":1}', many, []),
        })  # fmt: skip
        save_partition_states(conn, "other", "t", {0: PartitionChange("{}", {"a\x1f0": "[9]"}, [])})
    with engine.begin() as conn:  # the next batch: a grows, b is let go, c is new
        save_partition_states(conn, "g", "t", {
            0: PartitionChange('{"late":3}', {"a\x1f0": "[1,4]", "c\x1f0": "[5]"}, ["b\x1f0"]),
        })  # fmt: skip
    with engine.connect() as conn:
        stored = load_partition_states(conn, "g", "t", [0, 1, 2])
        other = load_partition_states(conn, "other", "t", [0])
    assert stored[0] == StoredPartition('{"late":3}', {"a\x1f0": "[1,4]", "c\x1f0": "[5]"})
    assert stored[1] == StoredPartition('{"late":1}', many)
    assert 2 not in stored
    assert other == {0: StoredPartition("{}", {"a\x1f0": "[9]"})}
    with engine.connect() as conn:
        assert load_partition_states(conn, "g", "t", []) == {}
