"""User profiles and search by id prefix.

A profile is a person's (the ``persons`` rule): asked for any of its ids, it sums the
``user_stats`` rows of all of them (the consumer keeps each equal to a recomputation
from ``user_events``) and shows the traits the consumer stored on the users rows.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Connection, select

from eventtide.core.db.columns import TYPE_COUNT_COLUMNS
from eventtide.core.db.models import UserStats
from eventtide.core.db.queries.persons import person_and_members
from eventtide.core.db.tables import USERS

STATS = UserStats.__table__
SUMMED: Final = ("total_events", "total_spent_cents", *TYPE_COUNT_COLUMNS.values())


def profile(conn: Connection, user_id: str) -> dict[str, Any] | None:
    """The person's statistics, ids and traits, or None when none of its ids was seen.

    Keys: the ``user_stats`` columns (summed over the person's ids; first and last seen
    their extremes), ``person_id``, ``distinct_ids`` and ``traits``.
    """
    person, ids = person_and_members(conn, user_id)
    rows = [dict(r._mapping) for r in conn.execute(select(STATS).where(STATS.c.user_id.in_(ids)))]
    if not rows:
        return None
    merged: dict[str, Any] = {name: sum(int(r[name]) for r in rows) for name in SUMMED}
    merged["user_id"] = user_id
    merged["first_seen_at"] = min(r["first_seen_at"] for r in rows)
    merged["last_seen_at"] = max(r["last_seen_at"] for r in rows)
    merged["person_id"] = person
    merged["distinct_ids"] = ids
    traits = conn.execute(
        select(USERS.c.traits)
        .where(USERS.c.user_id.in_(ids), USERS.c.traits.is_not(None))
        .order_by(USERS.c.user_id)
        .limit(1)
    ).scalar_one_or_none()
    merged["traits"] = dict(traits or {})
    return merged


def search(
    conn: Connection, prefix: str, *, after: str | None = None, limit: int = 20
) -> list[str]:
    """User ids starting with ``prefix`` (``%`` and ``_`` match themselves), in byte
    order, after ``after`` when paging."""
    user_id = STATS.c.user_id
    query = (
        select(user_id)
        .where(user_id.startswith(prefix, autoescape=True))
        .order_by(user_id.collate("C"))
        .limit(limit)
    )
    if after is not None:
        query = query.where(user_id.collate("C") > after)
    return [row[0] for row in conn.execute(query)]
