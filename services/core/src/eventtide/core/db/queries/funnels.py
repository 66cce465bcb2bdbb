"""Funnels: ordered steps (event types), a conversion window from the first step.

People, not ids, go through a funnel: a person (the ``persons`` rule: an anonymous id
and the user id it was identified as are one) enters with their first step-1 event in
the range; each later step counts at its first event strictly after the previous
step's and within ``window`` of the entry (sequential funnel, PostHog's default
order). One CTE per step, each reading only the previous one, so the cost grows
linearly with the number of steps. A step may have filters of its own (any operator, as
the question's filter; PostHog's per-step property filters): only its events that match
them count for it. Medians are of the seconds between consecutive
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

A breakdown (PostHog's, attributed to the first touchpoint) puts each person in the
group of their entry event's value, and the chain of steps carries that group along.
The value is read with each id's entry (one more probe of the ``(event_type, user_id,
occurred_at)`` index per id, at its entry time; the smallest value in byte order when
two such events differ), and a person takes that of their earliest id; the ``top``
groups by entrants stay, ties to the smaller value, and the rest are one ``(other)``
group, as the trend's breakdown does. (Looking the value up per person after persons
were resolved joined on the person expression, which no index serves: 14.8 s against
the plain funnel's 130 ms at 1,000,000 events.)

Exclusion steps (PostHog's) are one more join per exclusion: the persons of the step it
starts from, their time at the step it ends at (if they reached it), and the excluded
type's events with their persons, as a later step's are read. The persons found are
left out of every step's count, and of the breakdown's ranking, so each group is
carried as a person's label joined at the count rather than along the chain of steps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from eventtide.core.db.queries.filters import (
    EVENTS,
    EventFilter,
    Match,
    after,
    conditions,
    json_text,
    matching,
)
from eventtide.core.db.queries.hours import HOURS, carried, ceil_hour, hour_matching
from eventtide.core.db.queries.persons import EVENTS_WITH_PERSONS, PERSON, with_persons
from eventtide.core.db.queries.trends import (
    NONE_VALUE,
    OTHER_VALUE,
    Breakdown,
    Interval,
    top_groups,
)
from eventtide.core.db.queries.tuning import for_analytics


@dataclass(frozen=True, slots=True)
class FunnelStep:
    """Persons who reached the step and the median seconds from the step before."""

    event_type: str
    users: int
    median_seconds: float | None


@dataclass(frozen=True, slots=True)
class FunnelGroup:
    """One breakdown value's funnel: the persons whose entry event had that value."""

    group: str
    steps: list[FunnelStep]


StepMatches = Mapping[int, Sequence[Match]]
"""Filters of single steps, by step index (0: the entry, on top of the filter's own)."""


@dataclass(frozen=True, slots=True)
class Exclusion:
    """PostHog's exclusion step: a person who did ``event_type`` after reaching step
    ``from_step`` and before reaching step ``to_step`` (indices from 0), or before
    ``window`` after ``from_step`` where they never reached it, is left out of the
    whole funnel."""

    event_type: str
    from_step: int
    to_step: int


def funnel(
    conn: Connection,
    *,
    flt: EventFilter,
    steps: Sequence[str],
    window: timedelta,
    step_matches: StepMatches | None = None,
    exclusions: Sequence[Exclusion] = (),
) -> list[FunnelStep]:
    """Per step: users reaching it and the median time from the previous step."""
    for_analytics(conn)
    ctes = _chain(conn, flt, steps, window, step_matches or {})
    excluded = _excluded(ctes, exclusions, flt, window)
    rows = conn.execute(_counted(ctes, excluded))
    return _steps(steps, {int(i): (int(n), m) for i, _, n, m in rows})


def funnel_groups(
    conn: Connection,
    *,
    flt: EventFilter,
    steps: Sequence[str],
    window: timedelta,
    breakdown: Breakdown,
    top: int,
    step_matches: StepMatches | None = None,
    exclusions: Sequence[Exclusion] = (),
) -> list[FunnelGroup]:
    """The funnel of each of the ``top`` entry values (by entrants, those excluded left
    out) and of ``(other)``, largest first, ``(other)`` last."""
    for_analytics(conn)
    ctes = _chain(conn, flt, steps, window, step_matches or {}, breakdown)
    excluded = _excluded(ctes, exclusions, flt, window)
    groups = _grouped(ctes[0], top, excluded)
    found: dict[str, dict[int, tuple[int, Any]]] = defaultdict(dict)
    for index, group, users, median in conn.execute(_counted(ctes, excluded, groups)):
        found[str(group)][int(index)] = (int(users), median)
    order = sorted(found, key=lambda g: (g == OTHER_VALUE, -found[g][0][0], g.encode()))
    return [FunnelGroup(group, _steps(steps, found[group])) for group in order]


@dataclass(frozen=True, slots=True)
class FunnelPeriod:
    """The persons who entered in one local period (``start``, wall time) and how many
    of them reached each step."""

    start: datetime
    users: list[int]


def funnel_over_time(
    conn: Connection,
    *,
    flt: EventFilter,
    steps: Sequence[str],
    window: timedelta,
    interval: Interval,
    timezone: str,
    step_matches: StepMatches | None = None,
    exclusions: Sequence[Exclusion] = (),
) -> list[FunnelPeriod]:
    """Per local period of the entries (PostHog's funnel "historical trends"): each
    period's entrants and how many of them reached each step, within the window of
    their own entry (so a late period's conversion may still grow). Periods without an
    entrant are left out."""
    for_analytics(conn)
    ctes = _chain(conn, flt, steps, window, step_matches or {})
    excluded = _excluded(ctes, exclusions, flt, window)
    entries = ctes[0]
    period = func.date_trunc(interval, func.timezone(timezone, entries.c.t0))
    periods = select(entries.c.person_id, period.label("grp")).cte("periods")
    found: dict[datetime, list[int]] = {}
    for index, start, users, _ in conn.execute(_counted(ctes, excluded, periods)):
        found.setdefault(start, [0] * len(steps))[int(index)] = int(users)
    return [FunnelPeriod(start, found[start]) for start in sorted(found)]


def _steps(steps: Sequence[str], found: dict[int, tuple[int, Any]]) -> list[FunnelStep]:
    """The answer per step from ``{index: (users, median)}`` (a step no one reached has
    no row)."""
    out = []
    for index, step in enumerate(steps):
        users, median = found.get(index, (0, None))
        out.append(FunnelStep(step, users, float(median) if median is not None else None))
    return out


def _chain(
    conn: Connection,
    flt: EventFilter,
    steps: Sequence[str],
    window: timedelta,
    step_matches: StepMatches,
    breakdown: Breakdown | None = None,
) -> list[Any]:
    """One CTE per step: the persons who reached it with their step times (the first
    with each one's entry ``value`` too, with a breakdown). A later step's events are
    one CTE per type and filters, shared by the steps that repeat both."""
    entry = replace(flt, matches=(*flt.matches, *step_matches.get(0, ())))
    first_hour = _first_whole_hour(conn, entry)
    entries = (
        _entries(entry, steps[0], breakdown)
        if first_hour is None
        else _entries_from_hours(entry, steps[0], first_hour, breakdown)
    )
    ctes = [entries]
    later: dict[tuple[str, tuple[Match, ...]], Any] = {}
    for index, step in enumerate(steps[1:], start=1):
        key = (step, tuple(step_matches.get(index, ())))
        if key not in later:
            end = after(flt.until, window)
            later[key] = _events_of(step, key[1], flt.since, end, name=f"e{len(later) + 1}")
        ctes.append(_reached(ctes[-1], later[key], index, window))
    return ctes


def _excluded(
    ctes: list[Any], exclusions: Sequence[Exclusion], flt: EventFilter, window: timedelta
) -> Any | None:
    """The persons an :class:`Exclusion` leaves out (None without exclusions): an
    excluded event strictly between their ``from_step`` and ``to_step`` times, or, where
    they never reached ``to_step``, before ``window`` after ``from_step`` (PostHog's
    rule: ``to_step`` would have had to come within a window of the entry, but the
    exclusion is looked for up to a window after the step it starts from)."""
    if not exclusions:
        return None
    parts = []
    end = after(after(flt.until, window), window)
    events: dict[str, Any] = {}
    for x in exclusions:
        if x.event_type not in events:
            name = f"x{len(events) + 1}"
            events[x.event_type] = _events_of(x.event_type, (), flt.since, end, name=name)
        done, start, stop = events[x.event_type], ctes[x.from_step], ctes[x.to_step]
        began = start.c[f"t{x.from_step}"]
        until = func.coalesce(stop.c[f"t{x.to_step}"], began + window)
        parts.append(
            select(start.c.person_id)
            .select_from(
                start.outerjoin(stop, stop.c.person_id == start.c.person_id).join(
                    done, done.c.person_id == start.c.person_id
                )
            )
            .where(done.c.occurred_at > began, done.c.occurred_at < until)
        )
    return union(*parts).cte("excluded")


def _counted(ctes: list[Any], excluded: Any | None, groups: Any | None = None) -> Any:
    """(step index, group, persons, median seconds from the step before) per step, and
    per group when ``groups`` labels each person (a breakdown's value, or the period of
    their entry; '' without); the excluded persons left out."""
    parts = []
    for index, cte in enumerate(ctes):
        median: Any = cast(null(), Float)
        if index > 0:
            gap = func.extract("epoch", cte.c[f"t{index}"] - cte.c[f"t{index - 1}"])
            median = func.percentile_cont(0.5).within_group(gap)
        source = cte
        if groups is not None:
            source = cte.join(groups, groups.c.person_id == cte.c.person_id)
        group = groups.c.grp if groups is not None else literal("", String)
        part = select(literal(index), group, func.count(), median).select_from(source)
        if excluded is not None:
            part = part.where(cte.c.person_id.not_in(select(excluded.c.person_id)))
        parts.append(part.group_by(groups.c.grp) if groups is not None else part)
    return union_all(*parts)


def _grouped(entries: Any, top: int, excluded: Any | None) -> Any:
    """Each entrant's group: their entry value for the ``top`` values by entrants (ties
    to the smaller value; the excluded persons not counted), ``(other)`` for the rest."""
    value = func.coalesce(entries.c.value, literal(NONE_VALUE, String))
    sizes = select(value.label("value"), func.count().label("entrants")).group_by(value)
    if excluded is not None:
        sizes = sizes.where(entries.c.person_id.not_in(select(excluded.c.person_id)))
    ranked = sizes.subquery("group_sizes")
    kept = top_groups(ranked.c.value, ranked.c.entrants, top, name="top_groups")
    label = case((kept.c.grp.is_not(None), value), else_=literal(OTHER_VALUE))
    return (
        select(entries.c.person_id, label.label("grp"))
        .select_from(entries.outerjoin(kept, kept.c.grp == value))
        .cte("groups")
    )


def _entries(flt: EventFilter, step: str, breakdown: Breakdown | None = None) -> Any:
    """Each person's first ``step`` event in the range (``t0``): the first per id from
    the index on (type, id, time), then the earliest of a person's ids."""
    by_id = (
        select(EVENTS.c.user_id, func.min(EVENTS.c.occurred_at).label("t0"))
        .where(conditions(flt, event_type=step))
        .group_by(EVENTS.c.user_id)
        .subquery("entry_by_id")
    )
    return _per_person(by_id, flt, step, breakdown)


def _per_person(by_id: Any, flt: EventFilter, step: str, breakdown: Breakdown | None) -> Any:
    """The earliest entry of each person's ids (``s0``); with a breakdown also its
    ``value``: each id's smallest value at its own entry time (one probe of the
    ``(event_type, user_id, occurred_at)`` index), then that of the earliest id."""
    source = by_id if breakdown is None else _with_values(by_id, flt, step, breakdown)
    joined, person = with_persons(source, source.c.user_id)
    columns = [person.label("person_id"), func.min(source.c.t0).label("t0")]
    if breakdown is not None:
        ordered = aggregate_order_by(
            source.c.value, source.c.t0, source.c.value.collate("C").nulls_last()
        )
        columns.append(func.array_agg(ordered)[1].label("value"))
    return (
        select(*columns)
        .select_from(joined)
        .group_by(person)
        .having(func.min(source.c.t0).is_not(None))
        .cte("s0")
    )


def _with_values(by_id: Any, flt: EventFilter, step: str, breakdown: Breakdown) -> Any:
    """``by_id`` with each id's ``value``: the smallest of its entry events at its entry
    time (a ``LATERAL`` probe of the ``(event_type, user_id, occurred_at)`` index)."""
    value = json_text(breakdown.source, breakdown.key).collate("C")
    probe = (
        select(func.min(value).label("value"))
        .where(
            conditions(flt, event_type=step),
            EVENTS.c.user_id == by_id.c.user_id,
            EVENTS.c.occurred_at == by_id.c.t0,
        )
        .lateral("entry_value")
    )
    return (
        select(by_id.c.user_id, by_id.c.t0, probe.c.value)
        .select_from(by_id.join(probe, true()))
        .subquery("entry_value_by_id")
    )


_HOUR = timedelta(hours=1)


def _first_whole_hour(conn: Connection, flt: EventFilter) -> datetime | None:
    """The first whole UTC hour of the range, when the entries may be found from hour
    rows: on PostgreSQL (the rows are its triggers'), with every filter on a field the
    rows carry (``context.country`` or ``context.platform``, compared as
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


def _entries_from_hours(
    flt: EventFilter, step: str, first_hour: datetime, breakdown: Breakdown | None = None
) -> Any:
    """The same entries as :func:`_entries`, reading each id's first UTC hour with a
    matching ``step`` event in ``[first_hour, until)`` from ``event_hours`` and its
    exact first time from the events of that hour (and before ``until``); the events
    of ``[since, first_hour)`` are grouped as :func:`_entries` does. A first hour that
    holds ``until`` may have all its events after it: its probe finds none, and then
    the id has no event from ``first_hour`` on, so it is left out rightly (by the
    ``HAVING``). The probe is a ``LATERAL`` subquery: as a scalar subquery PostgreSQL
    copied it into each place its result was used and ran it twice per id."""
    matched = hour_matching(flt.matches)
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
    return _per_person(by_id, flt, step, breakdown)


def _events_of(
    step: str, matches: Sequence[Match], since: datetime, end: datetime, *, name: str
) -> Any:
    """A later step's (or an excluded) event type's events matching ``matches``, with
    their persons, in ``(since, end)``: after the range starts and before the last
    window that may hold one closes."""
    return (
        select(PERSON.label("person_id"), EVENTS.c.occurred_at)
        .select_from(EVENTS_WITH_PERSONS)
        .where(
            EVENTS.c.event_type == step,
            EVENTS.c.occurred_at > since,
            EVENTS.c.occurred_at < end,
            *matching(matches),
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
