"""Lifecycle: in each local day or week, how many persons (the ``persons`` rule) doing
an event were new, returning, resurrecting, and how many went dormant (PostHog's
lifecycle insight).

- **new**: the period of their first-ever such event;
- **returning**: active in this period and the one before;
- **resurrecting**: active in this period, not in the one before, active earlier;
- **dormant**: active in the period before, not in this one.

Periods are whole: a period partly inside ``[since, until)`` is counted with all its
events, so each period of the answer means the same whatever the range. One statement:
each person's active periods from the period before the first asked (to tell returning
from resurrecting, and dormancy in the first), the persons active before those (never
new in them), and a window over each person's periods. It reads ``event_hours`` instead
of the events where the zone and the filters make that exact (:mod:`.hours`), as
retention does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, func, literal, or_, select

from eventtide.core.db.queries.filters import EVENTS, Match, after, matching
from eventtide.core.db.queries.hours import HOURS, aligned, carried, floor_hour, hour_matching
from eventtide.core.db.queries.persons import EVENTS_WITH_PERSONS, PERSON, with_persons
from eventtide.core.db.queries.tuning import for_analytics

Period = Literal["day", "week"]

MOST_PERIODS: Final = 400
"""Periods a range may hold and be answered whole (more than a year of days); a longer
one is answered from its first period with such an event to its last."""
_TICK: Final = timedelta(microseconds=1)
_MARGIN: Final = timedelta(days=2)
"""Slack around the UTC range read, whose exact ends are local times (no zone is more
than a day off UTC); the local-time condition decides."""


@dataclass(frozen=True, slots=True)
class LifecyclePeriod:
    """One period's start (local time) and its persons by kind."""

    start: datetime
    new: int
    returning: int
    resurrecting: int
    dormant: int


def periods_of(since: datetime, until: datetime, period: Period, timezone: str) -> list[datetime]:
    """The local starts of the periods ``[since, until)`` touches, in order."""
    zone = ZoneInfo(timezone)
    first = _local_start(since, period, zone)
    last = _local_start(until - _TICK, period, zone)
    step = _step(period)
    return [first + step * n for n in range((last - first) // step + 1)]


def lifecycle(
    conn: Connection,
    *,
    event_type: str,
    period: Period,
    timezone: str,
    since: datetime,
    until: datetime,
    matches: Sequence[Match] = (),
) -> list[LifecyclePeriod]:
    """Each period of ``[since, until)`` with its new, returning, resurrecting and dormant
    persons doing ``event_type`` (its events matching ``matches``)."""
    step = _step(period)
    if until - since > step * MOST_PERIODS:
        since, until = _span(conn, event_type, matches, since, until)
    if since >= until:
        return []
    zone = ZoneInfo(timezone)
    try:
        starts = periods_of(since, until, period, timezone)
        read_from, read_to = starts[0] - step, starts[-1] + step
        low = read_from.replace(tzinfo=zone).astimezone(UTC) - _MARGIN
        high = after(read_to.replace(tzinfo=zone).astimezone(UTC), _MARGIN)
    except OverflowError:  # local time of a range at the calendar's ends leaves it
        return []
    for_analytics(conn)
    hours = (
        conn.dialect.name == "postgresql"
        and carried([(m.source, m.key) for m in matches])
        and aligned(floor_hour(low), high, timezone)
    )
    rows = conn.execute(
        _statement(event_type, matches, period, timezone, (read_from, read_to), (low, high),
                   starts[0], hours)
    )  # fmt: skip
    found: dict[datetime, list[int]] = {start: [0, 0, 0, 0] for start in starts}
    for start, *persons in rows:
        if start in found:
            found[start] = [a + int(b) for a, b in zip(found[start], persons, strict=True)]
    return [LifecyclePeriod(start, *counts) for start, counts in found.items()]


def _statement(
    event_type: str,
    matches: Sequence[Match],
    period: Period,
    timezone: str,
    local_range: tuple[datetime, datetime],
    utc_range: tuple[datetime, datetime],
    first: datetime,
    hours: bool,
) -> Any:
    """Rows of (period start, new, returning, resurrecting, dormant): one per period for
    the first three, one for the dormant (the others' columns 0 in each)."""
    if hours:
        source, person = with_persons(HOURS, HOURS.c.user_id)
        at, kept = HOURS.c.hour, [HOURS.c.event_type == event_type, *hour_matching(matches)]
    else:
        source, person = EVENTS_WITH_PERSONS, PERSON
        at, kept = EVENTS.c.occurred_at, [EVENTS.c.event_type == event_type, *matching(matches)]
    local = func.timezone(timezone, at)
    active = (
        select(person.label("person_id"), func.date_trunc(period, local).label("p"))
        .distinct()
        .select_from(source)
        .where(*kept, at >= utc_range[0], at < utc_range[1])
        .where(local >= local_range[0], local < local_range[1])
        .cte("active")
    )
    earlier = (  # persons active before the periods read: none of them is new there
        select(person.label("person_id"))
        .distinct()
        .select_from(source)
        .where(*kept, at < utc_range[0] + 2 * _MARGIN, local < local_range[0])
        .cte("earlier")
    )
    classified = (
        select(
            active.c.p,
            and_(
                active.c.p == func.min(active.c.p).over(partition_by=active.c.person_id),
                earlier.c.person_id.is_(None),
            ).label("new"),
            func.lag(active.c.p)
            .over(partition_by=active.c.person_id, order_by=active.c.p)
            .label("before"),
            func.lead(active.c.p)
            .over(partition_by=active.c.person_id, order_by=active.c.p)
            .label("next"),
        )
        .select_from(active.outerjoin(earlier, earlier.c.person_id == active.c.person_id))
        .cte("classified")
    )
    c = classified.c
    step = func.make_interval(0, 0, 0, 7 if period == "week" else 1)
    none = literal(0)
    counted = (
        select(
            c.p.label("start"),
            func.count().filter(c.new),
            func.count().filter(and_(~c.new, c.before == c.p - step)),
            func.count().filter(and_(~c.new, or_(c.before.is_(None), c.before < c.p - step))),
            none,
        )
        .where(c.p >= first)
        .group_by(c.p)
    )
    dormant = (
        select((c.p + step).label("start"), none, none, none, func.count())
        .where(or_(c.next.is_(None), c.next > c.p + step), c.p + step >= first)
        .group_by(c.p + step)
    )
    return counted.union_all(dormant)


def _span(
    conn: Connection,
    event_type: str,
    matches: Sequence[Match],
    since: datetime,
    until: datetime,
) -> tuple[datetime, datetime]:
    """The part of a long range from its first such event to just after its last (an
    empty range when it has none)."""
    at = EVENTS.c.occurred_at
    first, last = conn.execute(
        select(func.min(at), func.max(at)).where(
            EVENTS.c.event_type == event_type, *matching(matches), at >= since, at < until
        )
    ).one()
    return (since, since) if first is None else (first, last + _TICK)


def _step(period: Period) -> timedelta:
    return timedelta(days=7 if period == "week" else 1)


def _local_start(at: datetime, period: Period, zone: ZoneInfo) -> datetime:
    """The local start (no zone) of ``at``'s period, as ``date_trunc`` names it."""
    day = at.astimezone(zone).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday()) if period == "week" else day
