"""Lag per partition, including missing and invalid committed offsets."""

from __future__ import annotations

import pytest

from eventtide.operator.lag import (
    OffsetState,
    PartitionLag,
    PartitionOffsets,
    partition_lag,
    top_lagging,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("offsets", "reset", "expected"),
    [
        (PartitionOffsets(0, end=100, committed=40), "latest", (60, 40, OffsetState.OK)),
        (PartitionOffsets(0, end=100, committed=100), "latest", (0, 100, OffsetState.OK)),
        (PartitionOffsets(0, end=100, committed=None), "latest", (0, 100, OffsetState.MISSING)),
        (
            PartitionOffsets(0, end=100, committed=None, start=20),
            "earliest",
            (80, 20, OffsetState.MISSING),
        ),
        (PartitionOffsets(0, end=100, committed=-1001), "earliest", (100, 0, OffsetState.MISSING)),
        (PartitionOffsets(0, end=100, committed=500), "latest", (0, 100, OffsetState.INVALID)),
        (
            PartitionOffsets(0, end=100, committed=5, start=50),
            "earliest",
            (50, 50, OffsetState.INVALID),
        ),
    ],
)
def test_partition_lag(offsets: PartitionOffsets, reset: str, expected: tuple[int, int, str]):
    lag = partition_lag(offsets, reset)  # type: ignore[arg-type]
    assert (lag.lag, lag.position, lag.state) == expected


def test_top_lagging_orders_by_lag_and_drops_idle_partitions():
    lags = [
        PartitionLag(0, 5, 0, OffsetState.OK),
        PartitionLag(1, 0, 0, OffsetState.OK),
        PartitionLag(2, 50, 0, OffsetState.OK),
        PartitionLag(3, 5, 0, OffsetState.OK),
    ]
    assert [lag.partition for lag in top_lagging(lags, 3)] == [2, 0, 3]
