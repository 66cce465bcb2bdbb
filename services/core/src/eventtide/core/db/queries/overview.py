"""The live overview's database side: stored totals, active users, revenue, top lists.

One round trip per question, each bounded by an index on time (``occurred_at``) except
the two totals, which PostgreSQL answers from a count of the table; the dashboard asks
every few seconds, never per event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from eventtide.core.db.tables import DEAD, EVENTS


@dataclass(frozen=True, slots=True)
class LiveOverview:
    """What the overview page shows beside the live counts of the stream."""

    stored: int
    dead_letters: int
    active_users_5m: int
    active_users_today: int
    revenue_today_cents: int
    top_event_types: list[tuple[str, int]]
    top_pages: list[tuple[str, int]]
    latency_p50_ms: float | None


def live_overview(
    conn: Connection, *, now: datetime, day_start: datetime, top: int = 5
) -> LiveOverview:
    """Figures as of ``now``; "today" starts at ``day_start`` (midnight in the viewer's zone)."""
    stored = conn.execute(select(func.count()).select_from(EVENTS)).scalar_one()
    dead = conn.execute(select(func.count()).select_from(DEAD)).scalar_one()
    recent = EVENTS.c.occurred_at >= now - timedelta(minutes=5)
    today = EVENTS.c.occurred_at >= day_start
    active_5m = conn.execute(select(func.count(EVENTS.c.user_id.distinct())).where(recent))
    active_today = conn.execute(select(func.count(EVENTS.c.user_id.distinct())).where(today))
    revenue = conn.execute(
        select(func.coalesce(func.sum(EVENTS.c.amount_cents), 0)).where(
            today, EVENTS.c.event_type == "purchase"
        )
    ).scalar_one()
    types = conn.execute(
        select(EVENTS.c.event_type, func.count().label("n"))
        .where(today)
        .group_by(EVENTS.c.event_type)
        .order_by(func.count().desc(), EVENTS.c.event_type)
        .limit(top)
    )
    page = EVENTS.c.context["page"].as_string()
    pages = conn.execute(
        select(page, func.count())
        .where(today, page.is_not(None))
        .group_by(page)
        .order_by(func.count().desc(), page)
        .limit(top)
    )
    latency_s = func.extract("epoch", EVENTS.c.stored_at - EVENTS.c.received_at)
    latency = conn.execute(
        select(func.percentile_cont(0.5).within_group(latency_s)).where(recent)
    ).scalar_one()
    return LiveOverview(
        stored=int(stored),
        dead_letters=int(dead),
        active_users_5m=int(active_5m.scalar_one()),
        active_users_today=int(active_today.scalar_one()),
        revenue_today_cents=int(revenue),
        top_event_types=[(str(t), int(n)) for t, n in types],
        top_pages=[(str(p), int(n)) for p, n in pages],
        latency_p50_ms=float(latency) * 1000 if latency is not None else None,
    )
