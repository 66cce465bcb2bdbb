"""Funnels: ordered steps (event types), a conversion window from the first step.

People, not ids, go through a funnel: a person (the ``persons`` rule: an anonymous id
and the user id it was identified as are one) enters with their first step-1 event in
the range; each later step counts at its first event strictly after the previous
step's and within ``window`` of the entry (sequential funnel, PostHog's default
order). One CTE per step, each reading only the previous one, so the cost grows
linearly with the number of steps. Medians are of the seconds between consecutive
steps, over the persons who made both.

One statement answers every step. The entries are grouped by id before persons are
resolved (10,000 ids instead of 499,000 events at 1,000,000 stored), and each later
step type is its own CTE read by type and time, so PostgreSQL knows its size: a
shared CTE of all later types was estimated at 122 rows instead of 3,407 and joined by
a nested loop that cost 1.3 s of the 1.7 s the four separate statements took.

Finding the entries grew with the events: each id's first step-1 event grouped every
index entry of that type in the range (499,236 ``page_view`` entries at 1,000,000
events, 143 of the funnel's 203 ms). Where it is exact (PostgreSQL, and the filter
only on fields an ``event_hours`` row carries: :func:`_first_whole_hour`), each id's
first UTC hour with the type is read from those rows instead, and its exact first time
from the events of that one hour (one probe of the ``(event_type, user_id,
occurred_at)`` index per id); the events before the range's first whole hour are read
as before. The cost then follows the ids' active hours, not their events: in-process,
the bench's funnel took 1,250 ms before and 560 ms after at 10,000,000 events, and at
1,000,000 about 40 ms more than before (111 against 149 ms; grouping 216,872 hour rows
is no cheaper there than grouping 499,236 index entries). docs/api.md has the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    and_,
    cast,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)

from eventtide.core.db.queries.filters import EVENTS, EventFilter, after, conditions
from eventtide.core.db.queries.hours import HOURS, carried, ceil_hour
from eventtide.core.db.queries.persons import EVENTS_WITH_PERSONS, PERSON, with_persons
from eventtide.core.db.queries.tuning import for_analytics


@dataclass(frozen=True, slots=True)
class FunnelStep:
    """Persons who reached the step and the median seconds from the step before."""

    event_type: str
    users: int
    median_seconds: float | None


def funnel(
    conn: Connection, *, flt: EventFilter, steps: Sequence[str], window: timedelta
) -> list[FunnelStep]:
    """Per step: users reaching it and the median time from the previous step."""
    for_analytics(conn)
    first_hour = _first_whole_hour(conn, flt)
    entries = (
        _entries(flt, steps[0])
        if first_hour is None
        else _entries_from_hours(flt, steps[0], first_hour)
    )
    ctes = [entries]
    later: dict[str, Any] = {}
    for index, step in enumerate(steps[1:], start=1):
        if step not in later:
            later[step] = _events_of(step, flt, window, name=f"e{len(later) + 1}")
        ctes.append(_reached(ctes[-1], later[step], index, window))
    parts = [select(literal(0), func.count(), cast(null(), Float)).select_from(ctes[0])]
    for index, cte in enumerate(ctes[1:], start=1):
        gap = func.extract("epoch", cte.c[f"t{index}"] - cte.c[f"t{index - 1}"])
        parts.append(
            select(
                literal(index), func.count(), func.percentile_cont(0.5).within_group(gap)
            ).select_from(cte)
        )
    found = {int(i): (int(n), m) for i, n, m in conn.execute(union_all(*parts))}
    return [
        FunnelStep(step, found[i][0], float(found[i][1]) if found[i][1] is not None else None)
        for i, step in enumerate(steps)
    ]


def _entries(flt: EventFilter, step: str) -> Any:
    """Each person's first ``step`` event in the range (``t0``): the first per id from
    the index on (type, id, time), then the earliest of a person's ids."""
    by_id = (
        select(EVENTS.c.user_id, func.min(EVENTS.c.occurred_at).label("t0"))
        .where(conditions(flt, event_type=step))
        .group_by(EVENTS.c.user_id)
        .subquery("entry_by_id")
    )
    joined, person = with_persons(by_id, by_id.c.user_id)
    return (
        select(person.label("person_id"), func.min(by_id.c.t0).label("t0"))
        .select_from(joined)
        .group_by(person)
        .cte("s0")
    )


_HOUR = timedelta(hours=1)


def _first_whole_hour(conn: Connection, flt: EventFilter) -> datetime | None:
    """The first whole UTC hour of the range, when the entries may be found from hour
    rows: on PostgreSQL (the rows are its triggers'), with every filter an equality on
    a field the rows carry (``context.country`` or ``context.platform``, compared as
    the events' ``context ->> key`` that filled them), and a whole hour starting before
    ``until``. Otherwise None: the entries are read from the events."""
    if conn.dialect.name != "postgresql":
        return None
    if not carried([(m.source, m.key) for m in flt.matches]):
        return None
    try:
        first = ceil_hour(flt.since)
    except OverflowError:
        return None
    return first if first < flt.until else None


def _entries_from_hours(flt: EventFilter, step: str, first_hour: datetime) -> Any:
    """The same entries as :func:`_entries`, reading each id's first UTC hour with a
    matching ``step`` event in ``[first_hour, until)`` from ``event_hours`` and its
    exact first time from the events of that hour (and before ``until``); the events
    of ``[since, first_hour)`` are grouped as :func:`_entries` does. A first hour that
    holds ``until`` may have all its events after it: its probe finds none, and then
    the id has no event from ``first_hour`` on, so it is left out rightly (by the
    ``HAVING``). The probe is a ``LATERAL`` subquery: as a scalar subquery PostgreSQL
    copied it into each place its result was used and ran it twice per id."""
    matched = [HOURS.c[m.key] == m.value for m in flt.matches]
    firsts = (
        select(HOURS.c.user_id, func.min(HOURS.c.hour).label("first_hour"))
        .where(
            HOURS.c.event_type == step,
            HOURS.c.hour >= first_hour,
            HOURS.c.hour < flt.until,
            *matched,
        )
        .group_by(HOURS.c.user_id)
        .subquery("first_hours")
    )
    exact = (
        select(func.min(EVENTS.c.occurred_at).label("t0"))
        .where(
            EVENTS.c.user_id == firsts.c.user_id,
            conditions(flt, event_type=step),
            EVENTS.c.occurred_at >= firsts.c.first_hour,
            EVENTS.c.occurred_at < firsts.c.first_hour + _HOUR,
        )
        .lateral("first_event")
    )
    parts = [select(firsts.c.user_id, exact.c.t0).select_from(firsts.join(exact, true()))]
    if flt.since < first_hour:
        head = EventFilter(flt.since, first_hour, flt.matches)
        parts.append(
            select(EVENTS.c.user_id, func.min(EVENTS.c.occurred_at).label("t0"))
            .where(conditions(head, event_type=step))
            .group_by(EVENTS.c.user_id)
        )
    by_id = union_all(*parts).subquery("entry_by_id")
    joined, person = with_persons(by_id, by_id.c.user_id)
    return (
        select(person.label("person_id"), func.min(by_id.c.t0).label("t0"))
        .select_from(joined)
        .group_by(person)
        .having(func.min(by_id.c.t0).is_not(None))
        .cte("s0")
    )


def _events_of(step: str, flt: EventFilter, window: timedelta, *, name: str) -> Any:
    """A later step's events with their persons: after the range starts and before
    the last entry's window closes."""
    return (
        select(PERSON.label("person_id"), EVENTS.c.occurred_at)
        .select_from(EVENTS_WITH_PERSONS)
        .where(
            EVENTS.c.event_type == step,
            EVENTS.c.occurred_at > flt.since,
            EVENTS.c.occurred_at < after(flt.until, window),
        )
        .cte(name)
    )


def _reached(prev: Any, events: Any, index: int, window: timedelta) -> Any:
    """The persons of ``prev`` with their first ``events`` row after the previous step
    and within ``window`` of the entry (``t<index>``)."""
    kept = [prev.c[f"t{i}"] for i in range(index)]
    return (
        select(prev.c.person_id, *kept, func.min(events.c.occurred_at).label(f"t{index}"))
        .select_from(prev.join(events, events.c.person_id == prev.c.person_id))
        .where(
            and_(
                events.c.occurred_at > prev.c[f"t{index - 1}"],
                events.c.occurred_at <= prev.c.t0 + window,
            )
        )
        .group_by(prev.c.person_id, *kept)
        .cte(f"s{index}")
    )
