"""Retention: persons (the ``persons`` rule) grouped by the period of their first-ever
start event, and how many of each cohort did the return event N periods later ("on"
that period, PostHog's default). Periods are local days or weeks (Monday) in the asked time zone.

Period 0 is the cohort's size. One statement: the cohorts, then each person's distinct
return periods, counted per cohort and period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Date, Integer, cast, distinct, func, literal, select, union_all

from eventtide.core.db.queries.filters import EVENTS
from eventtide.core.db.queries.persons import EVENTS_WITH_PERSONS, PERSON
from eventtide.core.db.queries.tuning import more_memory

Period = Literal["day", "week"]


def _statement(
    *, start_event: str, return_event: str, period: Period, periods: int, timezone: str,
    since: datetime, until: datetime,
) -> Any:  # fmt: skip
    """The cohorts, each person's distinct return periods, counted per cohort and period."""
    firsts = (
        select(PERSON.label("person_id"), func.min(EVENTS.c.occurred_at).label("first_at"))
        .select_from(EVENTS_WITH_PERSONS)
        .where(EVENTS.c.event_type == start_event)
        .group_by(PERSON)
        .cte("firsts")
    )
    cohorts = (
        select(
            firsts.c.person_id,
            func.date_trunc(period, func.timezone(timezone, firsts.c.first_at)).label("cohort"),
        )
        .where(firsts.c.first_at >= since, firsts.c.first_at < until)
        .cte("cohorts")
    )
    returned = func.date_trunc(period, func.timezone(timezone, EVENTS.c.occurred_at))
    days = cast(returned, Date) - cast(cohorts.c.cohort, Date)
    hits = (
        select(
            cohorts.c.person_id,
            cohorts.c.cohort,
            (cast(days, Integer) // cast(literal(7 if period == "week" else 1), Integer)).label(
                "period"
            ),
        )
        .distinct()
        .select_from(cohorts.join(EVENTS_WITH_PERSONS, cohorts.c.person_id == PERSON))
        .where(EVENTS.c.event_type == return_event)
        .cte("hits")
    )
    sizes = select(
        cohorts.c.cohort, literal(0).label("period"), func.count(distinct(cohorts.c.person_id))
    ).group_by(cohorts.c.cohort)
    returns = (
        select(hits.c.cohort, hits.c.period, func.count())
        .where(hits.c.period >= 1, hits.c.period < periods)
        .group_by(hits.c.cohort, hits.c.period)
    )
    return union_all(sizes, returns)


@dataclass(frozen=True, slots=True)
class Cohort:
    """A cohort's start (local time) and users retained per period (index 0: its size)."""

    start: datetime
    counts: tuple[int, ...]


def retention(
    conn: Connection,
    *,
    start_event: str,
    return_event: str,
    period: Period,
    periods: int,
    timezone: str,
    since: datetime,
    until: datetime,
) -> list[Cohort]:
    """The retention matrix for cohorts whose first start event is in ``[since, until)``.

    With the analytics ``work_mem``: at 10,000,000 events (bench/api) the statement
    sorted 4.7 million rows through 175 MB of temporary files at the default; EXPLAIN
    ANALYZE went from 7,779 to 6,372 ms with it.
    """
    more_memory(conn)
    rows = conn.execute(
        _statement(
            start_event=start_event, return_event=return_event, period=period,
            periods=periods, timezone=timezone, since=since, until=until,
        )
    )  # fmt: skip
    matrix: dict[datetime, list[int]] = {}
    for cohort, index, users in rows:
        matrix.setdefault(cohort, [0] * periods)[index] = int(users)
    return [Cohort(start, tuple(counts)) for start, counts in sorted(matrix.items())]
