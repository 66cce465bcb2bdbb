"""Funnels in any order (PostHog's ``unordered`` funnels): how many of the steps each
person did within one conversion window, whatever their order.

PostHog plays a person's step events oldest first, keeps per step the events of the
last ``window`` (an event older than the window before the newest is dropped), and
counts the steps that have one: a person completed ``k`` steps when, at some event,
``k`` steps had an event in the window ending there. The first event that reaches the
person's most steps fixes the times reported: each step's oldest event still in that
window, in time order, so the median of "step 2" is of the time between the first
two steps the person did, whichever they were.

One statement: each step's events with their persons, and per step the oldest event of
the window ending at each row (``min(...) FILTER (WHERE step = i) OVER (... RANGE
BETWEEN window PRECEDING AND CURRENT ROW)``); a row's steps are those with one. The
row with the most steps, first in time, is each person's.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Integer, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.sql.elements import FrameClause, FrameClauseType

from eventtide.core.db.queries.filters import EVENTS, EventFilter, Match, conditions, matching
from eventtide.core.db.queries.funnels import FunnelStep
from eventtide.core.db.queries.persons import with_persons
from eventtide.core.db.queries.tuning import for_analytics


@dataclass(frozen=True, slots=True)
class Reached:
    """A person's counted window: the oldest event of each step it held (None for the
    steps it did not hold)."""

    firsts: tuple[datetime | None, ...]


def unordered_funnel(
    conn: Connection,
    *,
    flt: EventFilter,
    steps: Sequence[str],
    window: timedelta,
    step_matches: Mapping[int, Sequence[Match]] | None = None,
) -> list[FunnelStep]:
    """Per step ``k`` (from 0): the persons who did ``k + 1`` of the steps within one
    window, and the median seconds between their ``k``-th and ``k + 1``-th."""
    for_analytics(conn, hashing=True)
    found = conn.execute(_counted_windows(flt, steps, window, step_matches or {}))
    return completed(steps, (Reached(tuple(row)) for row in found))


def _counted_windows(
    flt: EventFilter, steps: Sequence[str], window: timedelta, step_matches: Mapping[int, Any]
) -> Any:
    """Each person's counted window: one row of the oldest event per step."""
    parts = [
        select(
            EVENTS.c.user_id,
            EVENTS.c.occurred_at.label("at"),
            literal(index, Integer).label("step"),
        ).where(conditions(flt, event_type=step), *matching(step_matches.get(index, ())))
        for index, step in enumerate(steps)
    ]
    events = union_all(*parts).subquery("step_events")
    joined, person = with_persons(events, events.c.user_id)
    rows = (
        select(person.label("person_id"), events.c.at, events.c.step)
        .select_from(joined)
        .subquery("step_rows")
    )
    frame = FrameClause(window, None, FrameClauseType.PRECEDING, FrameClauseType.CURRENT)
    oldest = [
        func.min(rows.c.at)
        .filter(rows.c.step == index)
        .over(partition_by=rows.c.person_id, order_by=rows.c.at, range_=frame)
        .label(f"f{index}")
        for index in range(len(steps))
    ]
    windows = select(rows.c.person_id, rows.c.at, *oldest).subquery("windows")
    firsts = [windows.c[f"f{index}"] for index in range(len(steps))]
    held: Any = sum((first.is_not(None)).cast(Integer) for first in firsts)
    return (
        select(*firsts)
        .ext(distinct_on(windows.c.person_id))
        .order_by(windows.c.person_id, held.desc(), windows.c.at)
    )


def completed(steps: Sequence[str], windows: Iterable[Reached]) -> list[FunnelStep]:
    """PURE: the funnel of the counted windows: persons with at least ``k + 1`` steps,
    and the median seconds from their ``k``-th step to the next, in time order."""
    reached = [0] * len(steps)
    gaps: list[list[float]] = [[] for _ in steps]
    for counted in windows:
        times = sorted(t for t in counted.firsts if t is not None)
        for index in range(len(times)):
            reached[index] += 1
            if index:
                gaps[index].append((times[index] - times[index - 1]).total_seconds())
    return [
        FunnelStep(step, reached[index], statistics.median(gaps[index]) if gaps[index] else None)
        for index, step in enumerate(steps)
    ]
