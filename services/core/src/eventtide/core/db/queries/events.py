"""Listing stored events newest first, paged by keyset (``occurred_at``, ``id``).

Never OFFSET: page 1,000 costs what page 1 costs, and events arriving meanwhile do
not shift the pages a reader is walking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select, tuple_

from eventtide.core.db.queries.filters import EVENTS, EventFilter, conditions


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ended: the last row's time and id."""

    occurred_at: datetime
    id: int


def list_events(
    conn: Connection,
    *,
    flt: EventFilter,
    event_type: str | None = None,
    user_id: str | None = None,
    user_ids: Sequence[str] | None = None,
    after: Position | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Up to ``limit`` events strictly older than ``after``, newest first.

    ``user_id`` keeps one id's events; ``user_ids`` those of several (a person's ids).
    """
    where = conditions(flt, event_type=event_type)
    if user_id is not None:
        where = and_(where, EVENTS.c.user_id == user_id)
    if user_ids is not None:
        where = and_(where, EVENTS.c.user_id.in_(list(user_ids)))
    if after is not None:
        where = and_(
            where, tuple_(EVENTS.c.occurred_at, EVENTS.c.id) < tuple_(after.occurred_at, after.id)
        )
    query = (
        select(EVENTS)
        .where(where)
        .order_by(EVENTS.c.occurred_at.desc(), EVENTS.c.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def page_end(rows: Sequence[dict[str, Any]]) -> Position | None:
    """The position after the last row, or None at the end."""
    if not rows:
        return None
    return Position(rows[-1]["occurred_at"], rows[-1]["id"])
