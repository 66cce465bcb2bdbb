"""Generated history in a database, for ``eventtide ml train anomaly`` to train on.

``python -m bench.ml.anomaly_history --users 1000 --days 21 [--seed 7]`` simulates the
generator's users (no injected incidents: the training command injects its own into
copies of the held-out stretch) and stores their events in ``DATABASE_URL`` (migrated
first), as the consumer would. Then, for example::

    eventtide ml train anomaly --cutoff 2025-01-20 --window tumbling_1h --held-out-days 7

The start is Monday 2025-01-06, so ``--days 21`` with a cut-off on day 14 gives two
weeks of training and one judged.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from eventtide.core.db import make_engine
from eventtide.core.db.migrate import upgrade
from eventtide.core.db.models import UserEvent
from eventtide.producer.generator import GeneratorConfig, Simulation

START = datetime(2025, 1, 6, tzinfo=UTC)
CHUNK = 20_000


def _row(event: dict[str, Any]) -> dict[str, Any]:
    purchase = event["event_type"] == "purchase"
    return {
        "event_id": uuid.UUID(str(event["event_id"])),
        "user_id": event["user_id"],
        "session_id": event["session_id"],
        "event_type": event["event_type"],
        "occurred_at": event["occurred_at"],
        "received_at": event["received_at"],
        "schema_version": 2,
        "amount_cents": round(float(event["properties"]["amount"]) * 100) if purchase else None,
        "currency": None,
        # the segment fields the model tracks (platform, country), as a stored event has them
        "context": {
            k: v for k, v in (event.get("context") or {}).items() if k in ("platform", "country")
        },
        "properties": {},
    }


def main() -> None:
    """Simulate and store; prints how many events and how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--days", type=float, default=21.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    upgrade(url)
    engine = make_engine(url)
    began, stored, batch = time.monotonic(), 0, []
    simulation = Simulation(
        GeneratorConfig(users=args.users, seed=args.seed, start=START, days=args.days)
    )
    with engine.begin() as conn:
        for event in simulation.events():
            batch.append(_row(event))
            if len(batch) >= CHUNK:
                conn.execute(insert(UserEvent), batch)
                stored, batch = stored + len(batch), []
        if batch:
            conn.execute(insert(UserEvent), batch)
            stored += len(batch)
    engine.dispose()
    print(f"[bench] stored {stored} events of {args.users} users over {args.days:g} days "
          f"in {time.monotonic() - began:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
