"""Analytics latency on stored events: a profile, a daily trend with breakdown, a 4-step
funnel and an 8-week retention matrix, each asked over HTTP of the running API.

The events come from the generator (``users`` users over ``days`` days) and are stored
by the consumer's own write path (``write_batch``: COPY into ``user_events``, the
users and statistics upserts), so the tables, indexes and statistics are those the
pipeline leaves. The generator's users make about 13 events a day, more than a target
may need: every event is kept with the probability that lands near the target, and
further seeds (the same users, denser) are added until it is reached.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from eventtide.api.keys import make_key
from eventtide.consumer.store.batch import StorageBatch
from eventtide.consumer.store.write import write_batch
from eventtide.core.db import libpq_url, make_engine
from eventtide.core.db.apikeys import insert_key
from eventtide.core.db.rows import EventRow, event_row
from eventtide.core.events import Rejection, validate_event
from eventtide.producer.generator import Simulation
from eventtide.producer.generator.malformed import Malformed
from eventtide.producer.generator.simulation import GeneratorConfig

EVENTS_PER_USER_DAY = 13.0
"""What the generator makes on average (measured: 38,867 events, 1,000 users, 3 days)."""
CHUNK = 20_000
END = datetime(2026, 12, 1, tzinfo=UTC)


def _rows(target: int, users: int, days: int) -> Iterator[EventRow]:
    """``target`` generated events as storage rows (see the module docstring)."""
    keep = min(1.0, target / (EVENTS_PER_USER_DAY * users * days))
    made, seed = 0, 0
    while made < target:
        rng = random.Random(seed)
        start = END - timedelta(days=days)
        config = GeneratorConfig(
            users=users, seed=seed, start=start, days=days, bot_bursts_per_day=0,
            fraud_bursts_per_day=0,
        )  # fmt: skip
        for data in Simulation(config).stream():
            if type(data) is Malformed or rng.random() >= keep:
                continue
            event = validate_event(data)
            if isinstance(event, Rejection):
                continue
            row = event_row(event)
            if isinstance(row, EventRow):
                yield row
                made += 1
                if made == target:
                    return
        seed += 1


def backfill(database_url: str, target: int, *, users: int, days: int) -> float:
    """Store ``target`` events through the consumer's write path; returns seconds taken."""
    engine = make_engine(database_url)
    started = time.perf_counter()
    chunk: list[EventRow] = []
    for row in _rows(target, users, days):
        chunk.append(row)
        if len(chunk) == CHUNK:
            with engine.begin() as conn:
                write_batch(conn, StorageBatch(events=chunk))
            chunk = []
    if chunk:
        with engine.begin() as conn:
            write_batch(conn, StorageBatch(events=chunk))
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    engine.dispose()
    return time.perf_counter() - started


def read_key(database_url: str) -> str:
    """A fresh read key with no practical rate limit."""
    made = make_key()
    engine = make_engine(database_url)
    with engine.begin() as conn:
        insert_key(conn, key_id=made.key_id, key_hash=made.key_hash, name="bench-read",
                   scopes=["read"], rate_limit_per_s=1e9)  # fmt: skip
    engine.dispose()
    return made.plain


@dataclass(frozen=True)
class Question:
    """One analytics question: its name, path, parameters and how often it is asked."""

    name: str
    path: str
    params: list[tuple[str, str | int | float | bool | None]]
    repeats: int


def questions(users: int, quick: bool) -> list[Question]:
    """The eleven questions of the benchmark, over the backfilled 30 days."""
    since, until = (END - timedelta(days=30)).isoformat(), END.isoformat()
    span = [("since", since), ("until", until)]
    funnel_steps = ["page_view", "add_to_cart", "checkout_started", "purchase"]
    heavy = 3 if quick else 10
    return [
        Question("profile", "/v1/users/{user}", [], 20 if quick else 200),
        Question("trend: 30 days daily, breakdown by country", "/v1/trends",
                 [("event_type", "page_view"), ("interval", "day"), ("metric", "unique_users"),
                  ("breakdown", "context.country"), ("top", "5"), *span], heavy),
        Question("funnel: 4 steps over 30 days", "/v1/funnels",
                 [*(("steps", s) for s in funnel_steps), ("window_s", str(7 * 86_400)), *span],
                 heavy),
        Question("retention: 8 weeks", "/v1/retention",
                 [("start_event", "page_view"), ("return_event", "page_view"),
                  ("period", "week"), ("periods", "8"),
                  ("since", (END - timedelta(weeks=8)).isoformat()), ("until", until)], heavy),
        Question("lifecycle: 30 days daily", "/v1/lifecycle",
                 [("event", "page_view"), ("period", "day"), *span], heavy),
        Question("stickiness: 30 days daily", "/v1/stickiness",
                 [("event", "page_view"), ("period", "day"), *span], heavy),
        Question("weekly active users: 30 days", "/v1/trends",
                 [("event_type", "page_view"), ("interval", "day"), ("metric", "weekly_active"),
                  *span], heavy),
        Question("property math: average order value, 30 days by country", "/v1/trends",
                 [("event_type", "purchase"), ("metric", "avg"), ("property", "properties.amount"),
                  ("interval", "day"), ("breakdown", "context.country"), *span], heavy),
        Question("count per user: page views per viewer, 30 days", "/v1/trends",
                 [("event_type", "page_view"), ("metric", "avg_per_user"), ("interval", "day"),
                  *span], heavy),
        Question("formula: share of viewers who buy, 30 days by country", "/v1/trends/formula",
                 [("series", "unique_users:page_view"), ("series", "unique_users:purchase"),
                  ("formula", "B / A * 100"), ("interval", "day"),
                  ("breakdown", "context.country"), *span], heavy),
        # paths read every page view of the range in order: over the API's default week
        Question("paths: 7 days of pages", "/v1/paths",
                 [("include", "pages"), ("since", (END - timedelta(days=7)).isoformat()),
                  ("until", until)], heavy),
    ]  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by linear interpolation, as numpy's default does."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(q * 100) - 1]


def ask(base_url: str, key: str, question: Question, users: int) -> dict[str, float]:
    """p50 and p99 (ms) of ``question.repeats`` sequential requests, after one warm-up."""
    timings: list[float] = []
    rng = random.Random(7)
    with httpx.Client(base_url=base_url, headers={"x-api-key": key}, timeout=120) as client:
        for attempt in range(question.repeats + 1):
            path = question.path.format(user=f"u-{rng.randrange(users):07d}")
            started = time.perf_counter()
            answer = client.get(path, params=question.params)
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 200 and not (question.name == "profile"
                                                  and answer.status_code == 404):  # fmt: skip
                raise RuntimeError(f"{question.name}: {answer.status_code} {answer.text[:500]}")
            if attempt:
                timings.append(elapsed)
    return {"p50": percentile(timings, 0.5), "p99": percentile(timings, 0.99)}
