"""Statistics of a generated stream: funnel conversion, sessions, persona mix.

Used by the tests (with tolerances) and to document what the generator produces.
Pure functions over event dicts as :class:`Simulation` emits them.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

INACTIVITY_S: Final = 30 * 60.0
FUNNEL: Final = ("page_view", "add_to_cart", "checkout_started", "purchase")


@dataclass(frozen=True)
class FunnelStats:
    """Sessions reaching each funnel step, and step-to-step conversion."""

    sessions: int
    reached: dict[str, int]

    def conversion(self, step: str) -> float:
        """Share of sessions that reached ``step`` among those that reached the one before."""
        index = FUNNEL.index(step)
        before = self.sessions if index == 0 else self.reached[FUNNEL[index - 1]]
        return self.reached[step] / before if before else 0.0

    def overall(self) -> float:
        """Share of sessions that ended in a purchase."""
        return self.reached["purchase"] / self.sessions if self.sessions else 0.0


@dataclass(frozen=True)
class SessionStats:
    """Session shape and how well a 30-minute inactivity rule recovers the sessions."""

    sessions: int
    sessions_by_inactivity_rule: int
    events_per_session_median: float
    duration_s_median: float
    max_gap_within_s: float
    min_gap_between_s: float
    median_gap_between_s: float


def funnel_stats(events: Iterable[Mapping[str, Any]], exclude_users: set[str]) -> FunnelStats:
    """Funnel over sessions (by ``session_id``) of users not in ``exclude_users``."""
    steps: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event["user_id"] not in exclude_users:
            steps[event["session_id"]].add(event["event_type"])
    reached = {step: sum(1 for s in steps.values() if step in s) for step in FUNNEL}
    return FunnelStats(sessions=len(steps), reached=reached)


def session_stats(events: Iterable[Mapping[str, Any]], exclude_events: set[str]) -> SessionStats:
    """Session statistics over the events not in ``exclude_events`` (e.g. anomalies)."""
    times: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for event in events:
        if event["event_id"] not in exclude_events:
            stamp = event["occurred_at"].timestamp()
            times[event["user_id"]].append((stamp, event["session_id"]))
    within: list[float] = []
    between: list[float] = []
    per_session: Counter[str] = Counter()
    span: dict[str, list[float]] = {}
    by_rule = 0
    for stamps in times.values():
        stamps.sort()
        by_rule += 1
        for (t0, s0), (t1, s1) in itertools.pairwise(stamps):
            (within if s0 == s1 else between).append(t1 - t0)
            by_rule += t1 - t0 > INACTIVITY_S
        for stamp, session in stamps:
            per_session[session] += 1
            first_last = span.setdefault(session, [stamp, stamp])
            first_last[1] = stamp
    return SessionStats(
        sessions=len(per_session),
        sessions_by_inactivity_rule=by_rule,
        events_per_session_median=statistics.median(per_session.values()),
        duration_s_median=statistics.median(b - a for a, b in span.values()),
        max_gap_within_s=max(within, default=0.0),
        min_gap_between_s=min(between, default=0.0),
        median_gap_between_s=statistics.median(between) if between else 0.0,
    )


def persona_mix(personas: Mapping[str, str]) -> dict[str, float]:
    """Share of users per persona name."""
    counts = Counter(personas.values())
    return {name: count / len(personas) for name, count in sorted(counts.items())}
