"""Lag per partition from offsets, with missing and invalid committed offsets made explicit.

Why its own module: KEDA's users get hurt most by the corner cases (a group that never
committed scaling to max, or never to zero; a committed offset beyond the log end after a
topic was recreated). Here each case has a name, so the policy and the status can say
which partitions are in it instead of folding them silently into one number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from eventtide.core.lag import OffsetReset, PartitionOffsets

__all__ = [
    "OffsetReset",
    "OffsetState",
    "PartitionLag",
    "PartitionOffsets",
    "partition_lag",
    "partition_lags",
    "top_lagging",
]


class OffsetState(StrEnum):
    """What the committed offset of a partition is worth."""

    OK = "ok"
    MISSING = "missing"
    """The group never committed on this partition (librdkafka reports a negative offset)."""
    INVALID = "invalid"
    """Committed offset outside [log start, log end]: the consumer will reset it."""


@dataclass(frozen=True)
class PartitionLag:
    """Lag of one partition, and where the consumer will actually resume."""

    partition: int
    lag: int
    position: int
    """The offset the consumer resumes from (the committed one, or where it resets to)."""
    state: OffsetState


def partition_lag(offsets: PartitionOffsets, reset: OffsetReset) -> PartitionLag:
    """Lag = log end - where the consumer resumes; missing/invalid offsets follow ``reset``.

    A missing or out-of-range committed offset is not lag of the whole log by default:
    the consumer resets it exactly as ``auto.offset.reset`` says, so the lag counts from
    where it will really start reading.
    """
    end = max(offsets.end, 0)
    start = min(max(offsets.start, 0), end)
    committed = offsets.committed
    if committed is None or committed < 0:
        state = OffsetState.MISSING
    elif committed > end or committed < start:
        state = OffsetState.INVALID
    else:
        return PartitionLag(offsets.partition, end - committed, committed, OffsetState.OK)
    position = start if reset == "earliest" else end
    return PartitionLag(offsets.partition, end - position, position, state)


def partition_lags(offsets: Iterable[PartitionOffsets], reset: OffsetReset) -> list[PartitionLag]:
    """:func:`partition_lag` of every partition, ordered by partition number."""
    return sorted((partition_lag(item, reset) for item in offsets), key=lambda lag: lag.partition)


def top_lagging(lags: Iterable[PartitionLag], count: int = 5) -> list[PartitionLag]:
    """The ``count`` partitions with the most lag (ties by partition), lagging ones only."""
    lagging = [lag for lag in lags if lag.lag > 0]
    return sorted(lagging, key=lambda lag: (-lag.lag, lag.partition))[:count]
