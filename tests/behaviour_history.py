"""A small shop's users, hour by hour, with two click bots: data for the behaviour model.

Humans visit in sessions of a few to a dozen events with irregular gaps (page views,
clicks, the odd cart and purchase); each bot runs sessions of 120 page views two
seconds apart. Small on purpose: tests train and serve on it in seconds. ``store``
writes such events into ``user_events`` for the training verb to read.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import insert

from eventtide.core.db import make_engine
from eventtide.core.db.models import UserEvent

DAY_S = 86_400.0
NAMES = ("page_view", "click", "add_to_cart", "purchase")
SHARES = (0.7, 0.2, 0.08, 0.02)


def history(
    start_s: float, days: int, *, users: int = 60, bots: int = 2, seed: int = 3
) -> list[tuple[float, str, str, float]]:
    """(Unix time, event name, user, amount) sorted by time."""
    rng = np.random.default_rng(seed)
    out: list[tuple[float, str, str, float]] = []
    for day in range(days):
        base = start_s + day * DAY_S
        for index in range(users):
            for _ in range(rng.poisson(1.5)):
                at = base + rng.uniform(0, DAY_S - 3_600)
                for _ in range(3 + rng.poisson(6)):
                    name = str(rng.choice(NAMES, p=SHARES))
                    out.append((at, name, f"h{index:03d}", 25.0 if name == "purchase" else 0.0))
                    at += rng.exponential(40.0) + 2.0
        for index in range(bots):
            for _ in range(3):
                at = base + rng.uniform(0, DAY_S - 3_600)
                for step in range(120):
                    out.append(
                        (at + 2.0 * step + rng.uniform(0, 0.1), "page_view", f"b{index}", 0.0)
                    )
    out.sort()
    return out


def store(url: str, events: list[tuple[float, str, str, float]]) -> None:
    """The events as stored rows (amounts in cents)."""
    rows = [
        {"event_id": uuid.uuid4(), "user_id": user, "session_id": "s", "event_type": name,
         "occurred_at": datetime.fromtimestamp(at, UTC),
         "received_at": datetime.fromtimestamp(at, UTC), "schema_version": 2,
         "amount_cents": round(amount * 100) if name == "purchase" else None,
         "currency": "EUR", "context": {}, "properties": {}}
        for at, name, user, amount in events
    ]  # fmt: skip
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(UserEvent), rows)
    engine.dispose()
