"""The local days, weeks or months in which each person (the ``persons`` rule) did an event: what
the lifecycle and stickiness questions count.

Periods are whole: a period partly inside ``[since, until)`` is read with all its
events, so each period of an answer means the same whatever the range. A range of more
than :data:`MOST_PERIODS` periods is narrowed to its first and last such event (an open
range reaches year 1 and 9999). The periods are read from ``event_hours`` instead of the
events where the zone and the filters make that exact (:mod:`.hours`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, func, select
from sqlalchemy.sql import FromClause

from eventtide.core.db.queries.calendar import LONGEST, Period, periods_between, shift, start_of
from eventtide.core.db.queries.filters import EVENTS, TICK, Criterion, after, fields_of, matching
from eventtide.core.db.queries.hours import HOURS, aligned, carried, floor_hour, hour_matching
from eventtide.core.db.queries.persons import EVENTS_WITH_PERSONS, PERSON, with_persons
from eventtide.core.db.queries.tuning import for_analytics

MOST_PERIODS: Final = 400
"""Periods a range may hold and be answered whole (more than a year of days); a longer
one is answered from its first period with such an event to its last."""
MARGIN: Final = timedelta(days=2)
"""Slack around the UTC range read, whose exact ends are local times (no zone is more
than a day off UTC); the local-time condition decides."""


@dataclass(frozen=True, slots=True)
class Question:
    """Whose activity a question counts, in which periods: the persons doing
    ``event_type`` (its events matching ``matches``) in the local ``period``s of
    ``[since, until)``."""

    event_type: str
    period: Period
    timezone: str
    since: datetime
    until: datetime
    matches: Sequence[Criterion] = ()


@dataclass(frozen=True, slots=True)
class Window:
    """The periods asked and what is read for them."""

    starts: list[datetime]
    """The local starts of the periods asked, in order."""
    local: tuple[datetime, datetime]
    """The local range read: the periods asked, and ``lead_in`` periods before them."""
    utc: tuple[datetime, datetime]
    """The local range's UTC bounds, with :data:`MARGIN` each side."""
    hours: bool
    """Whether the hour rows answer exactly."""


@dataclass(frozen=True, slots=True)
class Activity:
    """The rows an event's activity is read from: the hour rows or the events."""

    source: FromClause
    person: ColumnElement[Any]
    at: ColumnElement[Any]
    kept: list[ColumnElement[bool]]
    local: ColumnElement[Any]


def periods_of(since: datetime, until: datetime, period: Period, timezone: str) -> list[datetime]:
    """The local starts of the periods ``[since, until)`` touches, in order."""
    zone = ZoneInfo(timezone)
    first = start_of(since.astimezone(zone).replace(tzinfo=None), period)
    last = start_of((until - TICK).astimezone(zone).replace(tzinfo=None), period)
    return [shift(first, period, n) for n in range(periods_between(first, last, period) + 1)]


def window(conn: Connection, asked: Question, lead_in: int = 0) -> Window | None:
    """What to read for the periods asked, or None when there is nothing to read (an
    empty range, or one whose local times leave the calendar)."""
    period, timezone, matches = asked.period, asked.timezone, asked.matches
    since, until = asked.since, asked.until
    if until - since > LONGEST[period] * MOST_PERIODS:
        since, until = _span(conn, asked.event_type, matches, since, until)
    if since >= until:
        return None
    zone = ZoneInfo(timezone)
    try:
        starts = periods_of(since, until, period, timezone)
        read_from, read_to = shift(starts[0], period, -lead_in), shift(starts[-1], period, 1)
        low = read_from.replace(tzinfo=zone).astimezone(UTC) - MARGIN
        high = after(read_to.replace(tzinfo=zone).astimezone(UTC), MARGIN)
    except OverflowError:  # local time of a range at the calendar's ends leaves it
        return None
    for_analytics(conn)
    hours = (
        conn.dialect.name == "postgresql"
        and carried(fields_of(matches))
        and aligned(floor_hour(low), high, timezone)
    )
    return Window(starts, (read_from, read_to), (low, high), hours)


def activity(asked: Question, *, hours: bool) -> Activity:
    """The rows of the asked event matching its filters, with their persons."""
    event_type, matches = asked.event_type, asked.matches
    if hours:
        source, person = with_persons(HOURS, HOURS.c.user_id)
        at, kept = HOURS.c.hour, [HOURS.c.event_type == event_type, *hour_matching(matches)]
    else:
        source, person = EVENTS_WITH_PERSONS, PERSON
        at, kept = EVENTS.c.occurred_at, [EVENTS.c.event_type == event_type, *matching(matches)]
    return Activity(source, person, at, kept, func.timezone(asked.timezone, at))


def active(rows: Activity, period: Period, read: Window) -> Any:
    """Each person's distinct periods in the local range read: ``(person_id, p)``."""
    return (
        select(rows.person.label("person_id"), func.date_trunc(period, rows.local).label("p"))
        .distinct()
        .select_from(rows.source)
        .where(*rows.kept, rows.at >= read.utc[0], rows.at < read.utc[1])
        .where(rows.local >= read.local[0], rows.local < read.local[1])
        .cte("active")
    )


def earlier(rows: Activity, read: Window) -> Any:
    """The persons active before the local range read."""
    return (
        select(rows.person.label("person_id"))
        .distinct()
        .select_from(rows.source)
        .where(*rows.kept, rows.at < read.utc[0] + 2 * MARGIN, rows.local < read.local[0])
        .cte("earlier")
    )


def _span(
    conn: Connection,
    event_type: str,
    matches: Sequence[Criterion],
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
    return (since, since) if first is None else (first, last + TICK)
