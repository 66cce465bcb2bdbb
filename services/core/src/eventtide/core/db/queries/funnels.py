"""Funnels: ordered steps (event types), a conversion window from the first step.

People, not ids, go through a funnel: a person (the ``persons`` rule: an anonymous id
and the user id it was identified as are one) enters with their first step-1 event in
the range; each later step counts at its first event strictly after the previous
step's and within ``window`` of the entry (sequential funnel, PostHog's default
order). One CTE per step, each reading only the previous one, so the cost grows
linearly with the number of steps. Medians are of the seconds between consecutive
steps, over the persons who made both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select

from eventtide.core.db.queries.filters import EVENTS, EventFilter, conditions
from eventtide.core.db.queries.persons import EVENTS_WITH_PERSONS, PERSON


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
    first = (
        select(PERSON.label("person_id"), func.min(EVENTS.c.occurred_at).label("t0"))
        .select_from(EVENTS_WITH_PERSONS)
        .where(conditions(flt, event_type=steps[0]))
        .group_by(PERSON)
        .cte("s0")
    )
    # The later steps' events with their persons, resolved once and shared by every step
    # (a CTE read more than once is materialised): each step then joins only this.
    later = (
        select(PERSON.label("person_id"), EVENTS.c.event_type, EVENTS.c.occurred_at)
        .select_from(EVENTS_WITH_PERSONS)
        .where(
            EVENTS.c.event_type.in_(sorted(set(steps[1:]))),
            # a later step is after the entry (>= since) and within the window of it
            EVENTS.c.occurred_at > flt.since,
            EVENTS.c.occurred_at < flt.until + window,
        )
        .cte("later")
    )
    ctes: list[Any] = [first]
    for index, step in enumerate(steps[1:], start=1):
        prev = ctes[-1]
        reached = (
            select(
                prev.c.person_id,
                prev.c.t0,
                *[prev.c[f"t{i}"] for i in range(1, index)],
                func.min(later.c.occurred_at).label(f"t{index}"),
            )
            .select_from(prev.join(later, later.c.person_id == prev.c.person_id))
            .where(
                and_(
                    later.c.event_type == step,
                    later.c.occurred_at > prev.c[f"t{index - 1}"],
                    later.c.occurred_at <= prev.c.t0 + window,
                )
            )
            .group_by(prev.c.person_id, prev.c.t0, *[prev.c[f"t{i}"] for i in range(1, index)])
            .cte(f"s{index}")
        )
        ctes.append(reached)
    results = [FunnelStep(steps[0], _count(conn, first), None)]
    for index, cte in enumerate(ctes[1:], start=1):
        gap = func.extract("epoch", cte.c[f"t{index}"] - cte.c[f"t{index - 1}"])
        users, median = conn.execute(
            select(func.count(), func.percentile_cont(0.5).within_group(gap)).select_from(cte)
        ).one()
        results.append(
            FunnelStep(steps[index], int(users), float(median) if median is not None else None)
        )
    return results


def _count(conn: Connection, cte: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(cte)).scalar_one())
