"""Funnels: ordered steps (event types), a conversion window from each attempt's start.

People, not ids, go through a funnel: a person (the ``persons`` rule: an anonymous id
and the user id it was identified as are one) enters with any step-1 event in the range,
and every such event starts an attempt. An attempt takes each later step at its type's
first event strictly after its previous step and within ``window`` of its own start; a
person counts the attempt that reached the most steps, of those the one that reached its
last step first, and of those the one that started last. That is PostHog's funnel (its
``aggregate_funnel`` event loop: each entry event restarts the first step, each step
advances the latest attempt that reached the step before, and the first attempt to reach
a deeper step is the one reported). Counting only each person's first entry, as this
module did before, undercounts whoever comes back: on the generator's 2,000 users over
30 days, a one-hour view, cart, checkout, purchase funnel had 88 purchasers by first
entries and 928 by attempts; with a 14-day window, 753 and 928. A step may have filters
of its own (any operator, as the question's filter; PostHog's per-step property
filters): only its events that match them count for it. Medians are of the seconds
between consecutive steps of each person's counted attempt.

Only the attempts no other beats are followed. Of the entries before a step-2 event, the
latest is the one to follow (the same next steps, a later end of its window): one
backward probe of the ``(event_type, user_id, occurred_at)`` index per step-2 event and
id of its person finds it, so the cost follows the step-2 events, not the entries (half
a million page views at 1,000,000 events). Later steps are one CTE each, reading only
the step before.

One statement answers every step. The first entries (who entered, the counted attempt of
whoever took no second step, and a breakdown's value) are grouped by id before persons
are resolved (10,000 ids instead of 499,000 events at 1,000,000 stored), and each later
step type is its own CTE read by type and time, so PostgreSQL knows its size: a shared
CTE of all later types was estimated at 122 rows instead of 3,407 and joined by a nested
loop that cost 1.3 s of the 1.7 s the four separate statements took.

Finding the entries grew with the events: each id's first step-1 event grouped every
index entry of that type in the range (499,236 ``page_view`` entries at 1,000,000
events, 143 of the funnel's 203 ms). Where it is exact (PostgreSQL, and the filter only
on fields an ``event_hours`` row carries: :func:`_first_whole_hour`), each id's first
UTC hour with the type is read from those rows instead, and its exact first time from
the events of that one hour (one probe of the ``(event_type, user_id, occurred_at)``
index per id); the events before the range's first whole hour are read as before. The
cost then follows the ids' active hours, not their events: in-process, the bench's
funnel took 1,250 ms before and 560 ms after at 10,000,000 events, and at 1,000,000
about 40 ms more than before (111 against 149 ms; grouping 216,872 hour rows is no
cheaper there than grouping 499,236 index entries). docs/api.md has the figures.

A breakdown (PostHog's, attributed to the first touchpoint) puts each person in the
group of their first entry event's value, whichever attempt counts. The value is read
with each id's entry (one more probe of the ``(event_type, user_id, occurred_at)`` index
per id, at its entry time; the smallest value in byte order when two such events
differ), and a person takes that of their earliest id; the ``top`` groups by entrants
stay, ties to the smaller value, and the rest are one ``(other)`` group, as the trend's
breakdown does. (Looking the value up per person after persons were resolved joined on
the person expression, which no index serves: 14.8 s against the plain funnel's 130 ms
at 1,000,000 events.)

Exclusion steps (PostHog's) leave out a person with an excluded event inside any of
their attempts, between its two steps, before they first finished the funnel (see
:func:`_excluded`): one more join per exclusion, of the attempts at the step it starts
from, their time at the step it ends at, and the excluded type's events. The persons
found are left out of every step's count, and of the breakdown's ranking, so each group
is a person's label joined at the count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.dialects.postgresql import TIMESTAMP, aggregate_order_by, distinct_on

from eventtide.core.db.queries.filters import (
    EVENTS,
    EventFilter,
    Match,
    after,
    conditions,
    fields_of,
    json_text,
    matching,
)
from eventtide.core.db.queries.hours import HOURS, carried, ceil_hour, hour_matching
from eventtide.core.db.queries.persons import EVENTS_WITH_PERSONS, PERSON, ids_of, with_persons
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


Bucket = Callable[[Any], Any]
"""The local period of a time column (a SQL expression)."""

StepMatches = Mapping[int, Sequence[Match]]
"""Filters of single steps, by step index (0: the entry, on top of the filter's own)."""


@dataclass(frozen=True, slots=True)
class Exclusion:
    """PostHog's exclusion step: a person who did ``event_type`` inside one of their
    attempts, after its step ``from_step`` and before its step ``to_step`` (indices from
    0; where it never reached ``to_step``, up to a window after its start), is left out
    of the whole funnel (:func:`_excluded`)."""

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
    strict: bool = False,
) -> list[FunnelStep]:
    """Per step: users reaching it and the median time from the previous step."""
    for_analytics(conn)
    chain = _chain(conn, _Funnel(flt, steps, window, step_matches or {}, strict))
    excluded = _excluded(chain, exclusions)
    rows = conn.execute(_counted(chain, excluded))
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
    strict: bool = False,
) -> list[FunnelGroup]:
    """The funnel of each of the ``top`` entry values (by entrants, those excluded left
    out) and of ``(other)``, largest first, ``(other)`` last."""
    for_analytics(conn)
    chain = _chain(conn, _Funnel(flt, steps, window, step_matches or {}, strict), breakdown)
    excluded = _excluded(chain, exclusions)
    groups = _grouped(chain.first, top, excluded)
    found: dict[str, dict[int, tuple[int, Any]]] = defaultdict(dict)
    for index, group, users, median in conn.execute(_counted(chain, excluded, groups)):
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
    strict: bool = False,
) -> list[FunnelPeriod]:
    """Per local period (PostHog's funnel "historical trends", as its funnel trends
    event loop counts them): the persons with an entry event in the period, each once,
    and how many of them reached each step in the attempt started by their first entry
    of that period, within its window (so a late period's conversion may still grow).
    A person with entries in three periods counts in each of the three. The persons an
    exclusion leaves out of the funnel are left out of every period. Periods without
    an entrant are left out."""
    for_analytics(conn)
    question = _Funnel(flt, steps, window, step_matches or {}, strict)

    def bucket(at: Any) -> Any:
        return func.date_trunc(interval, func.timezone(timezone, at))

    # from the events: a first hour per person and period from the hour rows, then a
    # probe of each, took 1,103 ms at 1,000,000 events (139,196 person-days) against
    # 590-735 ms for grouping the 499,236 entry events by id and day
    levels = [_entries(question.entry, steps[0], bucket=bucket, name="p0")]
    for index in range(1, len(steps)):
        level = _reached(levels[-1], question.events(index), index, window, name=f"p{index}")
        levels.append(question.in_order(level, index))
    # the chain of attempts, for the exclusions, reads the same events' CTEs
    excluded = _excluded(_chain(conn, question), exclusions) if exclusions else None
    parts = []
    for index, level in enumerate(levels):
        part = select(literal(index), level.c.period, func.count()).group_by(level.c.period)
        if excluded is not None:
            part = part.where(level.c.person_id.not_in(select(excluded.c.person_id)))
        parts.append(part)
    found: dict[datetime, list[int]] = {}
    for index, start, users in conn.execute(union_all(*parts)):
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


@dataclass(frozen=True, slots=True)
class _Chain:
    """The CTEs of one funnel: ``first``, each person's first entry (``t0``, with its
    ``value`` under a breakdown); ``attempts[k]``, the attempts that reached step
    ``k + 1`` (``person_id``, ``t0`` .. ``t<k + 1>``; ``attempts[0]`` is built from
    the latest entry before each step-2 event); ``counted``, each entrant's
    counted attempt (``person_id``, ``reached``: the index of its last step, ``t0`` ..
    ``t<n - 1>``, NULL past ``reached``); and the question they answer."""

    first: Any
    attempts: list[Any]
    counted: Any
    question: _Funnel


def _chain(conn: Connection, question: _Funnel, breakdown: Breakdown | None = None) -> _Chain:
    """The attempts of every entrant, step by step, and the one each person counts
    (in strict order, with no other event between two steps: :func:`_strictly`).

    Each later step is one CTE reading only the step before. Only the attempts that no
    other beats are followed: of the entries before a step-2 event, the latest (the
    same next steps, and a later end of the window), found by one backward probe of
    the ``(event_type, user_id, occurred_at)`` index per step-2 event and id."""
    entry, steps, window = question.entry, question.steps, question.window
    first_hour = _first_whole_hour(conn, entry)
    first = (
        _entries(entry, steps[0], breakdown)
        if first_hour is None
        else _entries_from_hours(entry, steps[0], first_hour, breakdown)
    )
    attempts: list[Any] = []
    for index in range(1, len(steps)):
        if index == 1:
            starts = question.entered(question.events(1))
            level = (
                select(
                    starts.c.person_id,
                    starts.c.t0,
                    func.min(starts.c.occurred_at).label("t1"),
                )
                .group_by(starts.c.person_id, starts.c.t0)
                .cte("s1")
            )
        else:
            level = _reached(attempts[-1], question.events(index), index, window)
        attempts.append(question.in_order(level, index))
    counted = _counted_attempts(first, attempts, len(steps))
    return _Chain(first, attempts, counted, question)


@dataclass
class _Funnel:
    """One funnel question, and the CTEs built for it so far: each is written once
    however many parts of the statement read it (a type's events with given filters,
    read by a step and by an exclusion of that type alike; the latest entry before
    each of them; the chain of attempts and the attempts by period share both)."""

    flt: EventFilter
    steps: Sequence[str]
    window: timedelta
    step_matches: StepMatches
    strict: bool
    built_events: dict[tuple[str, tuple[Match, ...]], Any] = field(default_factory=dict)
    built_entered: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def entry(self) -> EventFilter:
        """The filter of the entry events: the question's and the first step's own."""
        return replace(self.flt, matches=(*self.flt.matches, *self.step_matches.get(0, ())))

    def events(self, index: int) -> Any:
        """Step ``index``'s events (:meth:`events_of`, with the step's filters)."""
        return self.events_of(self.steps[index], tuple(self.step_matches.get(index, ())))

    def events_of(self, event_type: str, matches: tuple[Match, ...] = ()) -> Any:
        """A type's events matching ``matches``, with their persons, after ``since`` and
        up to a window after ``until`` (the last window that may hold one)."""
        key = (event_type, matches)
        if key not in self.built_events:
            end = after(self.flt.until, self.window)
            name = f"e{len(self.built_events) + 1}"
            self.built_events[key] = _events_of(event_type, matches, self.flt.since, end, name=name)
        return self.built_events[key]

    def entered(self, events: Any) -> Any:
        """``events`` with each one's latest entry before it (:func:`_latest_entries`)."""
        if events.name not in self.built_entered:
            self.built_entered[events.name] = _latest_entries(
                events, self.entry, self.steps[0], self.window, name=f"{events.name}_entered"
            )
        return self.built_entered[events.name]

    def in_order(self, level: Any, index: int) -> Any:
        """``level`` (attempts that reached step ``index``), in strict order only those
        with nothing else between their last two steps (:func:`_strictly`)."""
        if not self.strict:
            return level
        return _strictly(level, index, self.is_step(index - 1))

    def is_step(self, index: int) -> ColumnElement[bool]:
        """Whether a ``user_events`` row is an event of step ``index`` (its type and
        filters; the entry's filters for the first step, whatever its time)."""
        matches = self.entry.matches if index == 0 else self.step_matches.get(index, ())
        return and_(EVENTS.c.event_type == self.steps[index], *matching(matches))


def _strictly(level: Any, index: int, previous_step: ColumnElement[bool]) -> Any:
    """The attempts of ``level`` with no event of their person strictly between their
    step ``index - 1`` and step ``index`` but repeats of step ``index - 1`` (PostHog's
    strict order: any other event ends the attempt). An attempt that fails has no later
    step-``index`` event that could pass: the range before it holds the same event."""
    ids = ids_of(level).subquery(f"{level.name}_ids")
    # joined to the ids, each id's events in the range are one scan of the (user_id,
    # occurred_at) index; as ``user_id IN (ids)`` PostgreSQL scanned every event of
    # the type index in the range instead (8.9 s for one day at 1,000,000 events)
    other = (
        select(literal(1))
        .select_from(ids.join(EVENTS, EVENTS.c.user_id == ids.c.user_id))
        .where(
            EVENTS.c.occurred_at > level.c[f"t{index - 1}"],
            EVENTS.c.occurred_at < level.c[f"t{index}"],
            previous_step.is_not(True),
        )
        .correlate(level)
    )
    return select(level).where(~other.exists()).cte(f"{level.name}_strict")


def _latest_entries(
    events: Any, entry: EventFilter, step: str, window: timedelta, *, name: str
) -> Any:
    """Each row of ``events`` (``person_id``, ``occurred_at``) with ``t0``: its person's
    latest entry (a ``step`` event matching ``entry``, in its range) strictly before it
    and at most ``window`` before it; rows without one are left out. One backward probe
    of the ``(event_type, user_id, occurred_at)`` index per row and id of the person
    (the person's own id and every id linked to it)."""
    ids = ids_of(events).lateral(f"{name}_ids")
    probe = (
        select(EVENTS.c.occurred_at.label("t0"))
        .where(
            conditions(entry, event_type=step),
            EVENTS.c.user_id == ids.c.user_id,
            EVENTS.c.occurred_at < events.c.occurred_at,
            EVENTS.c.occurred_at >= events.c.occurred_at - window,
        )
        .order_by(EVENTS.c.occurred_at.desc())
        .limit(1)
        .lateral(f"{name}_probe")
    )
    return (
        select(events.c.person_id, events.c.occurred_at, func.max(probe.c.t0).label("t0"))
        .select_from(events.join(ids, true()).join(probe, true()))
        .group_by(events.c.person_id, events.c.occurred_at)
        .cte(name)
    )


def _counted_attempts(first: Any, attempts: list[Any], steps: int) -> Any:
    """Each entrant's counted attempt, as PostHog's funnel counts one: the attempt that
    reached the most steps; of those, the one that reached its last step first, and of
    those the one that started last. A person who took no second step counts their
    first entry."""
    levels = [first, *attempts]
    parts = []
    for reached, level in enumerate(levels):
        times = [
            (level.c[f"t{i}"] if i <= reached else cast(null(), TIMESTAMP(timezone=True))).label(
                f"t{i}"
            )
            for i in range(steps)
        ]
        best = (
            select(level.c.person_id, literal(reached).label("reached"), *times)
            .ext(distinct_on(level.c.person_id))
            .order_by(level.c.person_id, level.c[f"t{reached}"], level.c.t0.desc())
        )
        if reached + 1 < len(levels):
            best = best.where(level.c.person_id.not_in(select(levels[reached + 1].c.person_id)))
        part = best.subquery(f"counted{reached}")
        parts.append(select(*part.c))
    return union_all(*parts).cte("counted")


def _excluded(chain: _Chain, exclusions: Sequence[Exclusion]) -> Any | None:
    """The persons an :class:`Exclusion` leaves out (None without exclusions): an
    excluded event inside one of their attempts, strictly after its ``from_step`` and
    before its ``to_step`` (where it never reached ``to_step``, at most ``window``
    after its start), and before the person first finished the funnel (PostHog's event
    loop stops there).

    The attempts looked at are those :func:`_chain` follows, and for an exclusion from
    the entry, the latest entry before each excluded event: an attempt that started
    earlier has no later steps and an earlier end, so it holds the event only if that
    one does."""
    if not exclusions:
        return None
    question, last = chain.question, chain.attempts[-1]
    window = question.window
    finished = (
        select(last.c.person_id, func.min(last.c[f"t{len(question.steps) - 1}"]).label("done"))
        .group_by(last.c.person_id)
        .cte("finished")
    )
    parts = []
    for x in exclusions:
        done = question.events_of(x.event_type)
        stop = chain.attempts[x.to_step - 1]
        if x.from_step == 0:
            start = question.entered(done)
            moment, began = start.c.occurred_at, start.c.t0
            joined = start.outerjoin(
                stop, and_(stop.c.person_id == start.c.person_id, stop.c.t0 == start.c.t0)
            ).outerjoin(finished, finished.c.person_id == start.c.person_id)
            after_from: Any = true()
        else:
            start = chain.attempts[x.from_step - 1]
            moment, began = done.c.occurred_at, start.c.t0
            joined = (
                start.join(done, done.c.person_id == start.c.person_id)
                .outerjoin(
                    stop, and_(stop.c.person_id == start.c.person_id, stop.c.t0 == start.c.t0)
                )
                .outerjoin(finished, finished.c.person_id == start.c.person_id)
            )
            after_from = moment > start.c[f"t{x.from_step}"]
        reached_to = stop.c[f"t{x.to_step}"]
        inside = case((reached_to.is_(None), moment <= began + window), else_=moment < reached_to)
        parts.append(
            select(start.c.person_id)
            .select_from(joined)
            .where(
                after_from,
                inside,
                or_(finished.c.done.is_(None), moment < finished.c.done),
            )
        )
    return union(*parts).cte("excluded")


def _counted(chain: _Chain, excluded: Any | None, groups: Any | None = None) -> Any:
    """(step index, group, persons, median seconds from the step before) per step, and
    per group when ``groups`` labels each person (a breakdown's value; '' without),
    from each person's counted attempt; the excluded persons left out."""
    counted = chain.counted
    parts = []
    for index in range(len(chain.question.steps)):
        median: Any = cast(null(), Float)
        if index > 0:
            gap = func.extract("epoch", counted.c[f"t{index}"] - counted.c[f"t{index - 1}"])
            median = func.percentile_cont(0.5).within_group(gap)
        source = counted
        if groups is not None:
            source = counted.join(groups, groups.c.person_id == counted.c.person_id)
        group = groups.c.grp if groups is not None else literal("", String)
        part = (
            select(literal(index), group, func.count(), median)
            .select_from(source)
            .where(counted.c.reached >= index)
        )
        if excluded is not None:
            part = part.where(counted.c.person_id.not_in(select(excluded.c.person_id)))
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


def _entries(
    flt: EventFilter,
    step: str,
    breakdown: Breakdown | None = None,
    bucket: Bucket | None = None,
    name: str = "s0",
) -> Any:
    """Each person's first ``step`` event in the range (``t0``): the first per id from
    the index on (type, id, time), then the earliest of a person's ids. With ``bucket``,
    each person's first in each of the periods it makes of the times (``period``)."""
    keys = [EVENTS.c.user_id]
    if bucket is not None:
        keys.append(bucket(EVENTS.c.occurred_at).label("period"))
    by_id = (
        select(*keys, func.min(EVENTS.c.occurred_at).label("t0"))
        .where(conditions(flt, event_type=step))
        .group_by(*keys)
        .subquery("entry_by_id")
    )
    return _per_person(by_id, flt, step, breakdown, name)


def _per_person(
    by_id: Any, flt: EventFilter, step: str, breakdown: Breakdown | None, name: str
) -> Any:
    """The earliest entry of each person's ids (per ``period`` where ``by_id`` has
    one); with a breakdown also its ``value``: each id's smallest value at its own
    entry time (one probe of the ``(event_type, user_id, occurred_at)`` index), then
    that of the earliest id."""
    source = by_id if breakdown is None else _with_values(by_id, flt, step, breakdown)
    joined, person = with_persons(source, source.c.user_id)
    keys = [person.label("person_id")]
    if "period" in source.c:
        keys.append(source.c.period)
    columns = [*keys, func.min(source.c.t0).label("t0")]
    if breakdown is not None:
        ordered = aggregate_order_by(
            source.c.value, source.c.t0, source.c.value.collate("C").nulls_last()
        )
        columns.append(func.array_agg(ordered)[1].label("value"))
    return (
        select(*columns)
        .select_from(joined)
        .group_by(*keys)
        .having(func.min(source.c.t0).is_not(None))
        .cte(name)
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
    if not carried(fields_of(flt.matches)):
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
    return _per_person(by_id, flt, step, breakdown, "s0")


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


def _reached(prev: Any, events: Any, index: int, window: timedelta, name: str | None = None) -> Any:
    """The attempts of ``prev`` with their first ``events`` row after the previous
    step and within ``window`` of the attempt's start (``t<index>``; a ``period`` is
    carried along)."""
    kept = [prev.c[f"t{i}"] for i in range(index)]
    if "period" in prev.c:
        kept.insert(0, prev.c.period)
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
        .cte(name or f"s{index}")
    )
