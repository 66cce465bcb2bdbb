"""Known-good stored state and the corruptions each storage oracle must report, exactly.

Shared by the SQLite unit test (tests/unit/test_oracles.py) and the PostgreSQL one
(tests/integration/test_oracles_postgres.py): the state is written by the real write
path (``write_batch``), then one value is damaged with plain SQL the way a bug in the
consumer would damage it, and the oracle must name that user, table and column.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from eventtide.core.db import EventRow, StorageBatch, User, UserEvent, UserStats, write_batch

EVENTS, STATS, USERS = UserEvent.__table__, UserStats.__table__, User.__table__
T0 = datetime(2025, 6, 1, tzinfo=UTC)


def row(
    user: str,
    kind: str,
    minute: int,
    *,
    cents: int | None = None,
    country: str = "DE",
    platform: str = "web",
) -> EventRow:
    """One storable event row whose context JSON carries its country and platform."""
    context = {"platform": platform, "device": "desktop", "country": country, "page": "/"}
    return EventRow(
        uuid.uuid4(), user, "s", kind, T0 + timedelta(minutes=minute), T0, 1, cents,
        "USD" if cents is not None else None, json.dumps(context), "{}", 0, minute,
        country, platform,
    )  # fmt: skip


def seed(conn: Connection) -> list[EventRow]:
    """Two users' events, stored through the real write path."""
    rows = [
        row("u1", "page_view", 1),
        row("u1", "click", 2),
        row("u1", "purchase", 3, cents=1250),
        row("u1", "login", 5, country="US", platform="ios"),
        row("u2", "click", 4, country="JP", platform="android"),
        row("u2", "purchase", 6, cents=300, country="JP", platform="android"),
    ]
    write_batch(conn, StorageBatch(events=rows))
    return rows


def _delete_click_of_u1(conn: Connection) -> None:
    conn.execute(delete(EVENTS).where(EVENTS.c.user_id == "u1", EVENTS.c.event_type == "click"))


def _store_click_of_u2_twice(conn: Connection) -> None:
    copy = conn.execute(select(EVENTS).where(EVENTS.c.user_id == "u2", EVENTS.c.kafka_offset == 4))
    values = dict(copy.one()._mapping)
    del values["id"], values["stored_at"]
    conn.execute(insert(EVENTS).values({**values, "event_id": uuid.uuid4()}))


def _stats(user: str, **values: object) -> Callable[[Connection], None]:
    return lambda conn: conn.execute(update(STATS).where(STATS.c.user_id == user).values(values))


def _users(user: str, **values: object) -> Callable[[Connection], None]:
    return lambda conn: conn.execute(update(USERS).where(USERS.c.user_id == user).values(values))


@dataclass(frozen=True)
class Corruption:
    """One way stored state goes wrong, and the oracle's exact report of it."""

    name: str
    apply: Callable[[Connection], None]
    expected: tuple[str, ...]


CORRUPTIONS = (
    Corruption(
        "an event row missing",
        _delete_click_of_u1,
        (
            "u1: user_stats.total_events stored 4 != recomputed 3",
            "u1: user_stats.click_count stored 1 != recomputed 0",
        ),
    ),
    Corruption(
        "an event stored twice",
        _store_click_of_u2_twice,
        (
            "u2: user_stats.total_events stored 2 != recomputed 3",
            "u2: user_stats.click_count stored 1 != recomputed 2",
        ),
    ),
    Corruption(
        "a count doubled",
        _stats("u1", purchase_count=STATS.c.purchase_count * 2),
        ("u1: user_stats.purchase_count stored 2 != recomputed 1",),
    ),
    Corruption(
        "a wrong sum",
        _stats("u1", total_spent_cents=STATS.c.total_spent_cents + 1),
        ("u1: user_stats.total_spent_cents stored 1251 != recomputed 1250",),
    ),
    Corruption(
        "a wrong last seen time",
        _stats("u2", last_seen_at=T0),
        (
            "u2: user_stats.last_seen_at stored datetime.datetime(2025, 6, 1, 0, 0) "
            "!= recomputed datetime.datetime(2025, 6, 1, 0, 6)",
        ),
    ),
    Corruption(
        "a wrong platform",
        _users("u1", platform="web"),
        ("u1: users.platform stored 'web' != latest event's ios",),
    ),
    Corruption(
        "a wrong country",
        _users("u2", country="DE"),
        ("u2: users.country stored 'DE' != latest event's JP",),
    ),
    Corruption(
        "a wrong first seen time on the profile",
        _users("u1", first_seen_at=T0 + timedelta(minutes=2)),
        (
            "u1: users.first_seen_at stored datetime.datetime(2025, 6, 1, 0, 2) "
            "!= recomputed datetime.datetime(2025, 6, 1, 0, 1)",
        ),
    ),
    Corruption(
        "a statistics row missing",
        lambda conn: conn.execute(delete(STATS).where(STATS.c.user_id == "u2")),
        ("u2: user_stats row missing (2 events stored)",),
    ),
    Corruption(
        "a profile row missing",
        lambda conn: conn.execute(delete(USERS).where(USERS.c.user_id == "u2")),
        ("u2: users row missing",),
    ),
    Corruption(
        "statistics for a user without events",
        lambda conn: conn.execute(
            insert(STATS).values(
                user_id="u0",
                total_events=1,
                total_spent_cents=0,
                first_seen_at=T0,
                last_seen_at=T0,
                click_count=1,
            )
        ),
        ("u0: user_stats row without any stored event",),
    ),
)
