"""Watermarks: per partition (frontier - allowed lateness) and over a processor's partitions.

Pure: processing time (``now``) is passed in, never read from a clock here, so idleness
is testable and a replay decides the same way. Whether an event is too late depends only
on its own partition's watermark (see docs/processor.md, "Why the partition decides").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

NEVER: Final = -(2**62)
"""The watermark before any event: earlier than every event time."""


@dataclass(frozen=True, slots=True)
class PartitionWatermark:
    """One partition's frontier (largest event time seen) and when it last saw an event."""

    frontier: int = NEVER
    last_seen: int | None = None

    def watermark(self, lateness: int) -> int:
        """``frontier - lateness``; ``NEVER`` before the first event."""
        return NEVER if self.frontier == NEVER else self.frontier - lateness

    def observe(self, ts: int, now: int) -> PartitionWatermark:
        """The watermark state after reading an event at ``ts`` at processing time ``now``."""
        frontier = ts if ts > self.frontier else self.frontier
        return PartitionWatermark(frontier, now)

    def idle(self, now: int, timeout: int) -> bool:
        """No event for longer than ``timeout`` of processing time (never seen: idle)."""
        return self.last_seen is None or now - self.last_seen > timeout


@dataclass(frozen=True, slots=True)
class WatermarkClock:
    """The watermarks of the partitions a processor holds.

    ``observe`` returns both the event's time and the watermark its partition had when
    the event arrived (the event is too late if its time is below that), as bytewax's
    event clock returns time and watermark together.
    """

    lateness: int
    idle_timeout: int
    partitions: dict[int, PartitionWatermark]

    def observe(self, partition: int, ts: int, now: int) -> tuple[WatermarkClock, int, int]:
        """(new clock, event time, watermark before this event) for one event."""
        current = self.partitions.get(partition, PartitionWatermark())
        before = current.watermark(self.lateness)
        parts = dict(self.partitions)
        parts[partition] = current.observe(ts, now)
        return replace(self, partitions=parts), ts, before

    def assign(self, partition: int, state: PartitionWatermark) -> WatermarkClock:
        """Take over a partition with its checkpointed watermark state."""
        return replace(self, partitions={**self.partitions, partition: state})

    def revoke(self, partition: int) -> WatermarkClock:
        """Give a partition up (rebalance)."""
        parts = dict(self.partitions)
        parts.pop(partition, None)
        return replace(self, partitions=parts)

    def watermark(self, now: int) -> int:
        """Minimum over non-idle partitions; the largest if all are idle; NEVER if none."""
        marks = [p.watermark(self.lateness) for p in self.partitions.values()]
        if not marks:
            return NEVER
        active = [
            p.watermark(self.lateness)
            for p in self.partitions.values()
            if not p.idle(now, self.idle_timeout)
        ]
        return min(active) if active else max(marks)
