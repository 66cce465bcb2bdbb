"""User profiles (from ``user_stats``, which the consumer keeps equal to a recomputation
from ``user_events``) and search by id prefix."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from eventtide.core.db.models import UserStats

STATS = UserStats.__table__


def profile(conn: Connection, user_id: str) -> dict[str, Any] | None:
    """The user's statistics row, or None for a user never seen."""
    row = conn.execute(select(STATS).where(STATS.c.user_id == user_id)).first()
    return dict(row._mapping) if row is not None else None


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
