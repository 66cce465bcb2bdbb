"""What the live view of ``make run`` reads: stored counts, dead letters, offsets, top users."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from eventtide.core.db.tables import DEAD, EVENTS, OFFSETS, STATS


@dataclass(frozen=True, slots=True)
class Spender:
    """One user's spend for the top-users table."""

    user_id: str
    total_spent_cents: int
    purchases: int
    total_events: int


@dataclass(frozen=True, slots=True)
class Overview:
    """A snapshot of the database side of the pipeline."""

    stored: int
    dead_letters: int
    stored_offsets: dict[int, int]
    top_spenders: list[Spender]


def overview(conn: Connection, *, group_id: str, topic: str, top: int = 5) -> Overview:
    """Counts, the group's stored offsets per partition and the biggest spenders."""
    stored = conn.execute(select(func.count()).select_from(EVENTS)).scalar_one()
    dead = conn.execute(select(func.count()).select_from(DEAD)).scalar_one()
    offsets = conn.execute(
        select(OFFSETS.c.partition, OFFSETS.c.next_offset).where(
            OFFSETS.c.group_id == group_id, OFFSETS.c.topic == topic
        )
    )
    spenders = conn.execute(
        select(
            STATS.c.user_id, STATS.c.total_spent_cents, STATS.c.purchase_count, STATS.c.total_events
        )
        .where(STATS.c.total_spent_cents > 0)
        .order_by(STATS.c.total_spent_cents.desc(), STATS.c.user_id)
        .limit(top)
    )
    return Overview(
        stored=int(stored),
        dead_letters=int(dead),
        stored_offsets={int(p): int(o) for p, o in offsets},
        top_spenders=[Spender(u, int(s), int(p), int(t)) for u, s, p, t in spenders],
    )
