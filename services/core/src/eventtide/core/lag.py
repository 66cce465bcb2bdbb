"""The shapes of a consumer group's lag reading, written once for core and the operator.

Why here and pure: core's Admin reader (``eventtide.core.kafka.group_lag``) produces
these readings and the operator's policy consumes them; the processor and the ML scorer
will report their own lag with them too. Keeping them free of confluent-kafka lets the
operator's pure policy, and its tests, import them without the Kafka client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OffsetReset = Literal["earliest", "latest"]
"""Where a consumer starts on a partition without a valid committed offset
(librdkafka's ``auto.offset.reset``); the operator counts lag from the same place."""


@dataclass(frozen=True)
class PartitionOffsets:
    """Raw offsets of one partition as read from Kafka: log end, the group's committed
    offset (None when it never committed) and log start."""

    partition: int
    end: int
    committed: int | None
    start: int = 0


@dataclass(frozen=True)
class GroupReading:
    """A consumer group's state and per-partition offsets on one topic."""

    state: str
    """One of Stable, PreparingRebalance, CompletingRebalance, Empty, Dead, Unknown."""
    members: int
    partitions: tuple[PartitionOffsets, ...]
