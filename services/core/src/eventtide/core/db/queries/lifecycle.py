"""Lifecycle: in each local day, week or month, how many persons (the ``persons`` rule) doing
an event were new, returning, resurrecting, and how many went dormant (PostHog's
lifecycle insight).

- **new**: the period of their first-ever such event;
- **returning**: active in this period and the one before;
- **resurrecting**: active in this period, not in the one before, active earlier;
- **dormant**: active in the period before, not in this one.

Whole periods (:mod:`.active_periods`). One statement: each person's active periods
from the period before the first asked (to tell returning from resurrecting, and
dormancy in the first), the persons active before those (never new in them), and a
window over each person's periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, literal, or_, select

from eventtide.core.db.queries.active_periods import (
    Question,
    Window,
    active,
    activity,
    earlier,
    window,
)
from eventtide.core.db.queries.calendar import sql_step


@dataclass(frozen=True, slots=True)
class LifecyclePeriod:
    """One period's start (local time) and its persons by kind."""

    start: datetime
    new: int
    returning: int
    resurrecting: int
    dormant: int


def lifecycle(conn: Connection, asked: Question) -> list[LifecyclePeriod]:
    """Each period asked with its new, returning, resurrecting and dormant persons."""
    read = window(conn, asked, lead_in=1)
    if read is None:
        return []
    rows = conn.execute(_statement(asked, read))
    found: dict[datetime, list[int]] = {start: [0, 0, 0, 0] for start in read.starts}
    for start, *persons in rows:
        if start in found:
            found[start] = [a + int(b) for a, b in zip(found[start], persons, strict=True)]
    return [LifecyclePeriod(start, *counts) for start, counts in found.items()]


def _statement(asked: Question, read: Window) -> Any:
    """Rows of (period start, new, returning, resurrecting, dormant): one per period for
    the first three, one for the dormant (the others' columns 0 in each)."""
    rows = activity(asked, hours=read.hours)
    periods, before_them = active(rows, asked.period, read), earlier(rows, read)
    by_person = periods.c.person_id
    classified = (
        select(
            periods.c.p,
            and_(
                periods.c.p == func.min(periods.c.p).over(partition_by=by_person),
                before_them.c.person_id.is_(None),
            ).label("new"),
            func.lag(periods.c.p).over(partition_by=by_person, order_by=periods.c.p)
            .label("before"),
            func.lead(periods.c.p).over(partition_by=by_person, order_by=periods.c.p)
            .label("next"),
        )
        .select_from(periods.outerjoin(before_them, before_them.c.person_id == by_person))
        .cte("classified")
    )  # fmt: skip
    c, first = classified.c, read.starts[0]
    step = sql_step(asked.period)
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
