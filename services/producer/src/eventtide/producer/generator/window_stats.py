"""What a stream looks like inside a time window: traffic, funnel, platforms, dead letters.

Pure functions over what :meth:`Simulation.stream` yields, used by the incident tests
and to measure what each incident moves (docs/producer.md). A session belongs to the
window its first event falls in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventtide.producer.generator.malformed import Malformed


@dataclass
class WindowStats:
    """Counts for one window ``[start, end)`` of Unix time."""

    start: float
    end: float
    events: int = 0
    malformed: int = 0
    sessions: int = 0
    reached: Counter[str] = field(default_factory=Counter)
    """Sessions with at least one event of each type."""
    event_types: Counter[str] = field(default_factory=Counter)
    platforms: Counter[str] = field(default_factory=Counter)
    pages: Counter[str] = field(default_factory=Counter)
    """Page views per page."""

    @property
    def hours(self) -> float:
        """Length of the window."""
        return (self.end - self.start) / 3_600.0

    def per_hour(self, count: float) -> float:
        """``count`` over the window's length."""
        return count / self.hours

    def share(self, step: str, of: str | None = None) -> float:
        """Sessions reaching ``step`` among those reaching ``of`` (all sessions if None)."""
        base = self.sessions if of is None else self.reached[of]
        return self.reached[step] / base if base else 0.0

    def dead_letter_share(self) -> float:
        """Share of the messages sent in the window that the consumer dead-letters."""
        sent = self.events + self.malformed
        return self.malformed / sent if sent else 0.0


def window_stats(
    items: Iterable[dict[str, Any] | Malformed], windows: Sequence[tuple[float, float]]
) -> list[WindowStats]:
    """One pass over a stream, one :class:`WindowStats` per window (they may overlap)."""
    result = [WindowStats(start, end) for start, end in windows]
    sessions: dict[str, tuple[list[WindowStats], set[str]]] = {}
    for item in items:
        if isinstance(item, Malformed):
            for stats in result:
                if stats.start <= item.at < stats.end:
                    stats.malformed += 1
            continue
        at = item["occurred_at"].timestamp()
        event_type = item["event_type"]
        session = sessions.get(item["session_id"])
        if session is None:
            owners = [stats for stats in result if stats.start <= at < stats.end]
            session = sessions[item["session_id"]] = (owners, set())
            for stats in owners:
                stats.sessions += 1
        owners, types = session
        if event_type not in types:
            types.add(event_type)
            for stats in owners:
                stats.reached[event_type] += 1
        for stats in result:
            if stats.start <= at < stats.end:
                stats.events += 1
                stats.event_types[event_type] += 1
                stats.platforms[item["context"]["platform"]] += 1
                if event_type == "page_view":
                    stats.pages[item["context"]["page"]] += 1
    return result
