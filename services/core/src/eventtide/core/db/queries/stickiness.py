"""Stickiness: how many persons (the ``persons`` rule) did an event in exactly 1, 2, ...
of the local days, weeks or months of a range (PostHog's stickiness insight): how habitual a
feature is, where a trend only says how often it is used.

Whole periods (:mod:`.active_periods`): each person's distinct active periods, counted
per person, then persons per count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from eventtide.core.db.queries.active_periods import Question, active, activity, window


@dataclass(frozen=True, slots=True)
class Stickiness:
    """The periods of the range, and ``users[k - 1]``: the persons active in exactly k."""

    starts: list[datetime]
    users: tuple[int, ...]


def stickiness(conn: Connection, asked: Question) -> Stickiness:
    """Persons doing the asked event by the number of the asked periods they did it in."""
    read = window(conn, asked)
    if read is None:
        return Stickiness([], ())
    periods = active(activity(asked, hours=read.hours), asked.period, read)
    per_person = (
        select(func.count().label("k")).select_from(periods).group_by(periods.c.person_id)
    ).subquery()
    rows = conn.execute(select(per_person.c.k, func.count()).group_by(per_person.c.k))
    users = [0] * len(read.starts)
    for k, persons in rows:
        users[int(k) - 1] = int(persons)
    return Stickiness(read.starts, tuple(users))
