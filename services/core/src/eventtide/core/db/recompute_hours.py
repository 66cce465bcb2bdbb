"""``event_hours`` recomputed from ``user_events``: what its triggers must keep it equal to.

``eventtide db check`` and the tests compare the two on PostgreSQL (the table exists
only there). A difference means a write path bypassed or doubled the triggers' work;
each is one line naming the hour row and the column, so a test can corrupt one value
and see exactly that line.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from eventtide.core.db.queries.hours import HOURS
from eventtide.core.db.tables import EVENTS

Key = tuple[str, datetime, str, str | None, str | None]
Totals = tuple[int, int | None]


def recomputed_hours(conn: Connection) -> dict[Key, Totals]:
    """Per (type, UTC hour, id, country, platform), the events and summed amount."""
    e = EVENTS.c
    hour = func.date_trunc("hour", e.occurred_at, "UTC")
    country = e.context["country"].as_string()
    platform = e.context["platform"].as_string()
    keys = [e.event_type, hour, e.user_id, country, platform]
    rows = conn.execute(select(*keys, func.count(), func.sum(e.amount_cents)).group_by(*keys))
    return {_key(row): (int(row[5]), _amount(row[6])) for row in rows}


def stored_hours(conn: Connection) -> dict[Key, Totals]:
    """The rows the triggers kept."""
    h = HOURS.c
    rows = conn.execute(
        select(h.event_type, h.hour, h.user_id, h.country, h.platform, h.events, h.amount_cents)
    )
    return {_key(row): (int(row[5]), _amount(row[6])) for row in rows}


def hours_differences(conn: Connection, limit: int = 10) -> list[str]:
    """Every difference between ``event_hours`` and the recomputation (empty if equal;
    nothing to compare on a database without the table, SQLite)."""
    if conn.dialect.name != "postgresql":
        return []
    stored, expected = stored_hours(conn), recomputed_hours(conn)
    problems: list[str] = []
    for key in sorted(set(stored) | set(expected), key=_sortable):
        have, want = stored.get(key), expected.get(key)
        if have == want:
            continue
        name = _name(key)
        if have is None:
            problems.append(f"event_hours {name}: missing ({want[0] if want else 0} events)")
        elif want is None:
            problems.append(f"event_hours {name}: row without any stored event")
        else:
            problems += [
                f"event_hours {name}: {column} stored {h!r} != recomputed {w!r}"
                for column, h, w in zip(("events", "amount_cents"), have, want, strict=True)
                if h != w
            ]
    return problems[:limit]


def _key(row: Any) -> Key:
    return (row[0], row[1].astimezone(UTC), row[2], row[3], row[4])


def _amount(value: Any) -> int | None:
    return None if value is None else int(value)


def _sortable(key: Key) -> tuple[Any, ...]:
    return (key[0], key[1], key[2], key[3] or "", key[4] or "")


def _name(key: Key) -> str:
    event_type, hour, user_id, country, platform = key
    return f"({event_type}, {hour:%Y-%m-%dT%H:00Z}, {user_id}, {country}, {platform})"
