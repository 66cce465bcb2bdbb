"""Statistics and profiles recomputed from ``user_events``: what the stored rows must equal.

Tests, the reliability suite and ``eventtide db check`` compare the two; any difference
means an event was counted twice or not at all, or a profile field came from the wrong
event. Each difference is reported as one line naming the user, the table and the
column, so a test can corrupt one value and assert exactly that line
(``services/core/tests/test_recompute_oracle.py``).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import Connection, case, func, select

from eventtide.core.db.models import TYPE_COUNT_COLUMNS, User, UserEvent, UserStats

EVENTS = UserEvent.__table__
STATS = UserStats.__table__
USERS = User.__table__

_COMPARED = (
    "total_events",
    "total_spent_cents",
    "first_seen_at",
    "last_seen_at",
    *TYPE_COUNT_COLUMNS.values(),
)
_PROFILE = ("country", "platform")


def recomputed_stats(conn: Connection) -> dict[str, dict[str, Any]]:
    """Per user, the statistics as a full scan of ``user_events`` gives them."""
    e = EVENTS.c
    columns = [
        e.user_id,
        func.count().label("total_events"),
        func.coalesce(
            func.sum(case((e.event_type == "purchase", e.amount_cents), else_=0)), 0
        ).label("total_spent_cents"),
        func.min(e.occurred_at).label("first_seen_at"),
        func.max(e.occurred_at).label("last_seen_at"),
    ]
    columns += [
        func.sum(case((e.event_type == event_type, 1), else_=0)).label(column)
        for event_type, column in TYPE_COUNT_COLUMNS.items()
    ]
    rows = conn.execute(select(*columns).group_by(e.user_id))
    return {row.user_id: _plain(row._mapping) for row in rows}


def stored_stats(conn: Connection) -> dict[str, dict[str, Any]]:
    """Per user, the statistics the consumer maintained."""
    rows = conn.execute(select(STATS))
    return {row.user_id: _plain(row._mapping) for row in rows}


def latest_profiles(conn: Connection) -> dict[str, set[tuple[str | None, str | None]]]:
    """Per user, the (country, platform) of each event at the user's latest time.

    A set because events can share that instant; the stored profile must be one of
    them (the writer keeps the later of tied events in delivery order).
    """
    e = EVENTS.c
    latest = select(e.user_id, func.max(e.occurred_at).label("at")).group_by(e.user_id).subquery()
    rows = conn.execute(
        select(
            e.user_id,
            e.context["country"].as_string().label("country"),
            e.context["platform"].as_string().label("platform"),
        ).join(latest, (latest.c.user_id == e.user_id) & (latest.c.at == e.occurred_at))
    )
    profiles: dict[str, set[tuple[str | None, str | None]]] = {}
    for row in rows:
        profiles.setdefault(row.user_id, set()).add((row.country, row.platform))
    return profiles


def stats_differences(conn: Connection, limit: int = 10) -> list[str]:
    """Every difference between the stored rows and the recomputation (empty if equal).

    Covers ``user_stats`` (counts, money, time bounds) and ``users`` (time bounds, and
    the country and platform of the latest event). At most ``limit`` lines.
    """
    stored, expected = stored_stats(conn), recomputed_stats(conn)
    users = {row.user_id: row for row in conn.execute(select(USERS))}
    profiles = latest_profiles(conn)
    problems: list[str] = []
    for user_id in sorted(set(stored) | set(expected) | set(users)):
        problems += _stats_lines(user_id, stored.get(user_id), expected.get(user_id))
        problems += _user_lines(user_id, users.get(user_id), expected.get(user_id), profiles)
    return problems[:limit]


def _stats_lines(
    user_id: str, have: dict[str, Any] | None, want: dict[str, Any] | None
) -> list[str]:
    if want is None:
        return [] if have is None else [f"{user_id}: user_stats row without any stored event"]
    if have is None:
        return [f"{user_id}: user_stats row missing ({want['total_events']} events stored)"]
    return [
        f"{user_id}: user_stats.{name} stored {have[name]!r} != recomputed {want[name]!r}"
        for name in _COMPARED
        if have[name] != want[name]
    ]


def _user_lines(
    user_id: str,
    row: Any,
    want: dict[str, Any] | None,
    profiles: dict[str, set[tuple[str | None, str | None]]],
) -> list[str]:
    if row is None and want is None:
        return []
    if row is None:
        return [f"{user_id}: users row missing"]
    if want is None:
        return [f"{user_id}: users row without any stored event"]
    have = _plain_times(row._mapping, ("first_seen_at", "last_seen_at"))
    lines = [
        f"{user_id}: users.{name} stored {have[name]!r} != recomputed {want[name]!r}"
        for name in ("first_seen_at", "last_seen_at")
        if have[name] != want[name]
    ]
    latest = profiles.get(user_id, set())
    for index, name in enumerate(_PROFILE):
        value = getattr(row, name)
        options = sorted({str(profile[index]) for profile in latest})
        if value not in {profile[index] for profile in latest}:
            lines.append(
                f"{user_id}: users.{name} stored {value!r} != latest event's {' or '.join(options)}"
            )
    return lines


def _plain_times(mapping: Any, names: tuple[str, ...]) -> dict[str, Any]:
    values = {name: mapping[name] for name in names}
    for name in names:
        if values[name] is not None and values[name].tzinfo is not None:
            values[name] = values[name].astimezone(UTC).replace(tzinfo=None)
    return values


def _plain(mapping: Any) -> dict[str, Any]:
    values = _plain_times(mapping, ("first_seen_at", "last_seen_at"))
    for name in _COMPARED:
        if not name.endswith("_at"):
            values[name] = int(mapping[name] or 0)
    return values
