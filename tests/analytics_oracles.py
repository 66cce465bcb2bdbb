"""Plain-Python answers to the analytics questions, written apart from the SQL.

Each oracle reads a list of :class:`Raw` events and answers as the API documents it,
so a test can compare the two on generated data. People are persons (docs/events.md,
"Identity"): ``person`` maps an event's user id to its person, e.g.
``eventtide.core.identity.resolve(links).person``; by default every id is its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Raw:
    """One event as the oracle sees it."""

    user_id: str
    event_type: str
    occurred_at: datetime
    country: str | None
    amount_cents: int | None
    page: str | None = None
    score: int | str | bool | None = None
    """Stored as the ``score`` property (a JSON number, string or boolean) when not None."""


def local_bucket(at: datetime, zone: str, interval: str) -> datetime:
    """The start of ``at``'s bucket in local wall time (no zone)."""
    local = at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    if interval == "minute":
        return local.replace(second=0, microsecond=0)
    if interval == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "day":
        return day
    if interval == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def _next(start: datetime, period: str, n: int = 1) -> datetime:
    """The start of the period ``n`` after the one starting at ``start``."""
    if period != "month":
        return start + timedelta(days=(7 if period == "week" else 1) * n)
    year, month = divmod(start.month - 1 + n, 12)
    return start.replace(year=start.year + year, month=month + 1)


Person = Callable[[str], str]
_TICK = timedelta(microseconds=1)


def _itself(user_id: str) -> str:
    return user_id


def _metric(events: list[Raw], metric: str, person: Person) -> int:
    if metric == "count":
        return len(events)
    if metric == "unique_users":
        return len({person(e.user_id) for e in events})
    return sum(e.amount_cents or 0 for e in events)


def trend(
    events: list[Raw], *, event_type: str, since: datetime, until: datetime, zone: str,
    interval: str, metric: str, by_country: bool, top: int | tuple[str, ...],
    person: Person = _itself,
) -> dict[tuple[str, str | None], int]:  # fmt: skip
    """{(bucket ISO, group): value}, as ``GET /v1/trends`` answers; ``top`` the number of
    groups kept, or the groups (a formula's later series)."""
    chosen = [e for e in events if e.event_type == event_type and since <= e.occurred_at < until]

    def group(e: Raw) -> str | None:
        return (e.country or "(none)") if by_country else None

    keep: set[str | None] = {None}
    if by_country:
        per_group: dict[str | None, list[Raw]] = defaultdict(list)
        for e in chosen:
            per_group[group(e)].append(e)
        ranked = sorted(per_group, key=lambda g: (-_metric(per_group[g], metric, person), g or ""))
        keep = set(ranked[:top]) if isinstance(top, int) else set(top)
    cells: dict[tuple[str, str | None], list[Raw]] = defaultdict(list)
    for e in chosen:
        g = group(e)
        if by_country and g not in keep:
            g = "(other)"
        cells[(local_bucket(e.occurred_at, zone, interval).isoformat(), g)].append(e)
    return {cell: _metric(evs, metric, person) for cell, evs in cells.items()}


def retention(
    events: list[Raw], *, start_event: str, return_event: str, period: str, periods: int,
    zone: str, since: datetime, until: datetime, person: Person = _itself,
    start_country: str | None = None, return_country: str | None = None,
    cumulative: bool = False, recurring: bool = False,
) -> list[tuple[str, list[int]]]:  # fmt: skip
    """[(cohort ISO, counts)], as ``GET /v1/retention`` answers; with ``start_country``
    only start events of that country are start events, with ``return_country`` only
    return events of that country count; with ``cumulative`` a return in period k counts
    in every period from 1 to k ("on or after"); with ``recurring`` a person is in the
    cohort of every period with a start event in the range, not only their first-ever."""
    starts: dict[str, list[datetime]] = defaultdict(list)
    for e in events:
        if e.event_type == start_event and start_country in (None, e.country):
            starts[person(e.user_id)].append(e.occurred_at)
    cohorts_of = {
        user: {local_bucket(at, zone, period) for at in (times if recurring else [min(times)])
               if since <= at < until}
        for user, times in starts.items()
    }  # fmt: skip
    hits: dict[datetime, list[set[str]]] = {}
    for user, cohorts in cohorts_of.items():
        for cohort in cohorts:
            hits.setdefault(cohort, [set() for _ in range(periods)])[0].add(user)
    for e in events:
        who = person(e.user_id)
        if e.event_type != return_event or return_country not in (None, e.country):
            continue
        returned = local_bucket(e.occurred_at, zone, period)
        for cohort in cohorts_of.get(who, ()):
            k = next((n for n in range(periods) if _next(cohort, period, n) == returned), -1)
            for j in range(1, k + 1) if cumulative else [k]:
                if 1 <= j < periods and 1 <= k < periods:
                    hits[cohort][j].add(who)
    return [(c.isoformat(), [len(s) for s in sets]) for c, sets in sorted(hits.items())]


def lifecycle(
    events: list[Raw], *, event_type: str, period: str, zone: str, since: datetime,
    until: datetime, person: Person = _itself, country: str | None = None,
) -> list[tuple[str, int, int, int, int]]:  # fmt: skip
    """[(period ISO, new, returning, resurrecting, dormant)], as ``GET /v1/lifecycle``
    answers: every period ``[since, until)`` touches, counted whole."""
    if since >= until:
        return []
    active: dict[str, set[datetime]] = defaultdict(set)
    for e in events:
        if e.event_type == event_type and country in (None, e.country):
            active[person(e.user_id)].add(local_bucket(e.occurred_at, zone, period))
    answer = []
    start, last = local_bucket(since, zone, period), local_bucket(until - _TICK, zone, period)
    while start <= last:
        counts = [0, 0, 0, 0]
        before = _next(start, period, -1)
        for periods in active.values():
            if start in periods:
                kind = 0 if min(periods) == start else 1 if before in periods else 2
                counts[kind] += 1
            elif before in periods:
                counts[3] += 1
        answer.append((start.isoformat(), *counts))
        start = _next(start, period)
    return answer  # type: ignore[return-value]


def stickiness(
    events: list[Raw], *, event_type: str, period: str, zone: str, since: datetime,
    until: datetime, person: Person = _itself, country: str | None = None,
) -> tuple[list[str], list[int]]:  # fmt: skip
    """(period starts ISO, [persons active in exactly k periods, k = 1..]), as
    ``GET /v1/stickiness`` answers: the periods ``[since, until)`` touches, whole."""
    if since >= until:
        return [], []
    start, last = local_bucket(since, zone, period), local_bucket(until - _TICK, zone, period)
    starts = [start]
    while starts[-1] < last:
        starts.append(_next(starts[-1], period))
    active: dict[str, set[datetime]] = defaultdict(set)
    for e in events:
        bucket = local_bucket(e.occurred_at, zone, period)
        if e.event_type == event_type and country in (None, e.country) and bucket in starts:
            active[person(e.user_id)].add(bucket)
    users = [0] * len(starts)
    for periods in active.values():
        users[len(periods) - 1] += 1
    return [s.isoformat() for s in starts], users


Exclusions = list[tuple[str, int, int]]
"""``exclude`` items as (event type, from step, to step), the steps from 0."""


def funnel(
    events: list[Raw], *, steps: list[str], window: timedelta, since: datetime, until: datetime,
    person: Person = _itself, country: str | None = None,
    step_countries: dict[int, str] | None = None, exclusions: Exclusions = (),
    strict: bool = False,
) -> list[tuple[str, int, float | None]]:  # fmt: skip
    """[(step, users, median seconds from the previous step)], as ``GET /v1/funnels``;
    with ``country``, only entry events of that country count (``where=context.country``);
    with ``step_countries`` ({step index: country}), only that step's events of that
    country count for it (``step_where=<index + 1>:context.country=...``); a person with
    an excluded event between the exclusion's steps counts nowhere."""
    journeys = _journeys(
        events, steps, window, since, until, person, country, step_countries, exclusions, strict
    )
    return _steps_reached(steps, journeys.values())


def _steps_reached(
    steps: list[str], timelines: Iterable[list[datetime]]
) -> list[tuple[str, int, float | None]]:
    """[(step, persons whose timeline reached it, median seconds from the step before)]
    of each person's step times."""
    from statistics import median

    reached = [0] * len(steps)
    gaps: list[list[float]] = [[] for _ in steps]
    for times in timelines:
        for index, at in enumerate(times):
            reached[index] += 1
            if index:
                gaps[index].append((at - times[index - 1]).total_seconds())
    return [
        (step, reached[i], median(gaps[i]) if gaps[i] else None) for i, step in enumerate(steps)
    ]


def funnel_over_time(
    events: list[Raw], *, steps: list[str], window: timedelta, since: datetime, until: datetime,
    zone: str, interval: str, person: Person = _itself, exclusions: Exclusions = (),
    country: str | None = None, strict: bool = False,
) -> list[tuple[str, list[int]]]:  # fmt: skip
    """[(period, users per step)], as ``GET /v1/funnels?interval=...`` answers its
    ``over_time``: in each local period, every person with an entry event in it, and the
    steps reached by the attempt starting at their first entry of the period; the
    persons excluded from the funnel left out."""
    counted = _journeys(
        events, steps, window, since, until, person, country, None, exclusions, strict
    )
    by_user: dict[str, list[Raw]] = defaultdict(list)
    for e in events:
        by_user[person(e.user_id)].append(e)
    periods: dict[str, list[int]] = {}
    for who, user_events in by_user.items():
        firsts: dict[str, datetime] = {}
        for e in user_events:
            if (e.event_type == steps[0] and since <= e.occurred_at < until
                    and country in (None, e.country)):  # fmt: skip
                start = local_bucket(e.occurred_at, zone, interval).isoformat()
                firsts[start] = min(firsts.get(start, e.occurred_at), e.occurred_at)
        if who not in counted:  # excluded, or never entered
            continue
        for start, t0 in firsts.items():
            users = periods.setdefault(start, [0] * len(steps))
            for index in range(len(_attempt(user_events, steps, window, {}, t0, country, strict))):
                users[index] += 1
    return sorted(periods.items())


def _journeys(
    events: list[Raw], steps: list[str], window: timedelta, since: datetime, until: datetime,
    person: Person, country: str | None, step_countries: dict[int, str] | None,
    exclusions: Exclusions, strict: bool = False,
) -> dict[str, list[datetime]]:  # fmt: skip
    """Each entrant's counted attempt (the times of the steps it reached), the excluded
    left out.

    Written from the definition, one attempt per entry event: every ``steps[0]`` event
    in the range starts one, which takes each next step at that type's first event
    after its previous step and within ``window`` of its own start. A person counts
    their attempt that reached the most steps; of those, the one that reached its last
    step first, and of those the one that started last (PostHog's funnel: the attempt
    its event loop finds first at the deepest step)."""
    only = step_countries or {}
    by_user: dict[str, list[Raw]] = defaultdict(list)
    for e in events:
        by_user[person(e.user_id)].append(e)
    journeys = {}
    for who, user_events in by_user.items():
        entries = [
            e.occurred_at for e in user_events
            if e.event_type == steps[0] and since <= e.occurred_at < until
            and (country is None or e.country == country) and only.get(0, e.country) == e.country
        ]  # fmt: skip
        attempts = [
            _attempt(user_events, steps, window, only, t0, country, strict) for t0 in entries
        ]
        if not attempts or _excluded(user_events, attempts, steps, window, exclusions):
            continue
        deepest = max(len(a) for a in attempts)
        journeys[who] = min(
            (a for a in attempts if len(a) == deepest), key=lambda a: (a[-1], -a[0].timestamp())
        )
    return journeys


def _attempt(
    user_events: list[Raw], steps: list[str], window: timedelta, only: dict[int, str],
    t0: datetime, country: str | None = None, strict: bool = False,
) -> list[datetime]:  # fmt: skip
    """The times of the steps an attempt starting at ``t0`` reaches; ``strict``: no
    event of the person strictly between two steps but repeats of the earlier one."""

    def is_step(e: Raw, index: int) -> bool:
        entry = index > 0 or country in (None, e.country)
        return e.event_type == steps[index] and only.get(index, e.country) == e.country and entry

    times = [t0]
    for index, step in enumerate(steps[1:], start=1):
        later = [
            e.occurred_at for e in user_events
            if e.event_type == step and times[-1] < e.occurred_at <= t0 + window
            and only.get(index, e.country) == e.country
        ]  # fmt: skip
        if not later:
            break
        at = min(later)
        if strict and any(
            times[-1] < e.occurred_at < at and not is_step(e, index - 1) for e in user_events
        ):
            break
        times.append(at)
    return times


def _excluded(
    user_events: list[Raw], attempts: list[list[datetime]], steps: list[str],
    window: timedelta, exclusions: Exclusions,
) -> bool:  # fmt: skip
    """Whether an excluded event fell inside an attempt: strictly after its first
    exclusion step and before its second (before a window after the attempt's start
    where it never reached the second), and before the person first finished the
    funnel (PostHog's event loop stops there)."""
    finished = [a[-1] for a in attempts if len(a) == len(steps)]
    done = min(finished) if finished else None
    for event_type, first, second in exclusions:
        for times in attempts:
            if first >= len(times):
                continue
            for e in user_events:
                if e.event_type != event_type or (done is not None and e.occurred_at >= done):
                    continue
                inside = (
                    e.occurred_at < times[second]
                    if second < len(times)
                    else e.occurred_at <= times[0] + window
                )
                if times[first] < e.occurred_at and inside:
                    return True
    return False


def funnel_groups(
    events: list[Raw], *, steps: list[str], window: timedelta, since: datetime, until: datetime,
    person: Person = _itself, country: str | None = None, top: int = 5,
    step_countries: dict[int, str] | None = None, exclusions: Exclusions = (),
    strict: bool = False,
) -> list[tuple[str, list[tuple[str, int, float | None]]]]:  # fmt: skip
    """[(group, funnel)], as ``GET /v1/funnels?breakdown=context.country`` answers its
    ``groups``: a person's group is the country of their entry event (the smallest if
    several entry events share its time; ``(none)`` without one); the ``top`` groups by
    entrants (ties to the smaller name) stay, the rest are ``(other)``, listed last (the
    excluded ranked nowhere)."""
    counted = _journeys(
        events, steps, window, since, until, person, country, step_countries, exclusions, strict
    )
    entry: dict[str, datetime] = {}
    chosen = [
        e for e in events
        if e.event_type == steps[0] and since <= e.occurred_at < until
        and (country is None or e.country == country)
        and (step_countries or {}).get(0, e.country) == e.country
    ]  # fmt: skip
    for e in chosen:
        who = person(e.user_id)
        if who not in counted:  # excluded
            continue
        if who not in entry or e.occurred_at < entry[who]:
            entry[who] = e.occurred_at
    group: dict[str, str] = {}
    for who, at in entry.items():
        values = sorted(
            e.country for e in chosen
            if person(e.user_id) == who and e.occurred_at == at and e.country is not None
        )  # fmt: skip
        group[who] = values[0] if values else "(none)"
    sizes: dict[str, int] = defaultdict(int)
    for name in group.values():
        sizes[name] += 1
    kept = set(sorted(sizes, key=lambda g: (-sizes[g], g.encode()))[:top])
    label = {who: name if name in kept else "(other)" for who, name in group.items()}
    answers = []
    for name in set(label.values()):
        members = {who for who, g in label.items() if g == name}
        mine = [e for e in events if person(e.user_id) in members]
        answers.append((name, funnel(mine, steps=steps, window=window, since=since,
                                     until=until, person=person, country=country,
                                     step_countries=step_countries,
                                     exclusions=exclusions, strict=strict)))  # fmt: skip
    answers.sort(key=lambda a: (a[0] == "(other)", -a[1][0][1], a[0].encode()))
    return answers


def rolling_active(
    events: list[Raw], *, event_type: str, since: datetime, until: datetime, zone: str,
    days: int, by_country: bool, top: int, person: Person = _itself,
) -> dict[tuple[str, str | None], int]:  # fmt: skip
    """{(day ISO, group): persons}, as ``GET /v1/trends?metric=weekly_active`` (days 7)
    or ``monthly_active`` (30) answers: per local day asked, the persons with such an
    event on it or the ``days - 1`` days before (whole days)."""
    first = local_bucket(since, zone, "day")
    last = local_bucket(until - _TICK, zone, "day")
    active: dict[str | None, dict[str, set[datetime]]] = defaultdict(lambda: defaultdict(set))
    for e in events:
        day = local_bucket(e.occurred_at, zone, "day")
        if e.event_type == event_type and first - timedelta(days=days - 1) <= day <= last:
            group = (e.country or "(none)") if by_country else None
            active[group][person(e.user_id)].add(day)
    if by_country:
        sizes = {g: sum(1 for ds in who.values() if any(d >= first for d in ds))
                 for g, who in active.items()}  # fmt: skip
        kept = sorted((g for g in sizes if sizes[g]), key=lambda g: (-sizes[g], (g or "").encode()))
        merged: dict[str | None, dict[str, set[datetime]]] = defaultdict(lambda: defaultdict(set))
        for g, who in active.items():
            label = g if g in kept[:top] else "(other)"
            for p, ds in who.items():
                merged[label][p] |= ds
        active = merged
    answer = {}
    day = first
    while day <= last:
        for g, who in active.items():
            n = sum(
                1 for ds in who.values() if any(day - timedelta(days=days) < d <= day for d in ds)
            )
            if n:
                answer[(day.isoformat(), g)] = n
        day += timedelta(days=1)
    return answer


def funnel_unordered(
    events: list[Raw], *, steps: list[str], window: timedelta, since: datetime, until: datetime,
    person: Person = _itself, step_countries: dict[int, str] | None = None,
) -> list[tuple[str, int, float | None]]:  # fmt: skip
    """PostHog's any-order funnel, played as its event loop plays it: per person, each
    step's events of the last ``window`` kept (the events of one instant together), the
    steps holding one counted; the first instant with the most steps fixes the times
    (each step's oldest kept event). [(step, users who did that many steps, median
    seconds from the step before in time order)]."""
    step_countries = step_countries or {}
    played: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for e in events:
        if e.event_type in steps and since <= e.occurred_at < until:
            index = steps.index(e.event_type)
            if step_countries.get(index, e.country) == e.country:
                played[person(e.user_id)].append((e.occurred_at, index))
    timelines = []
    for own in played.values():
        kept: list[list[datetime]] = [[] for _ in steps]
        best: list[datetime] = []
        for at in sorted({at for at, _ in own}):
            for when, index in own:
                if when == at:
                    kept[index].append(at)
            for times in kept:
                times.sort()
                while times and at - times[0] > window:
                    times.pop(0)
            fronts = sorted(times[0] for times in kept if times)
            if len(fronts) > len(best):
                best = fronts
        timelines.append(best)
    return _steps_reached(steps, timelines)
