"""A small, fixed dataset for the dashboard tests: events, sessions, alerts, dead letters
and one churn prediction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine, insert

from eventtide.core.db import recomputed_stats
from eventtide.core.db.models import Base
from eventtide.core.db.predictions import insert_predictions
from eventtide.core.db.processor_tables import AlertRow, ProcessorSession
from eventtide.core.db.tables import DEAD, EVENTS, PERSONS, STATS

SESSIONS = Base.metadata.tables[ProcessorSession.__tablename__]
ALERTS = Base.metadata.tables[AlertRow.__tablename__]
PAGES = ["/home", "/search", "/product/1", "/cart"]
SCORED_USER = "user-04"
"""The one user with a churn score (every other user shows the page's empty state)."""
DEVICE_ID = "anon-04"
""":data:`SCORED_USER`'s device id: a session browsed before the sign-up, then identified."""


def _us(t: datetime) -> int:
    return int(t.timestamp() * 1_000_000)


def valid_event(user: str, event_type: str = "page_view", **extra: Any) -> dict[str, Any]:
    """An event as a client sends it (accepted by the API now)."""
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "user_id": user,
        "session_id": "s-live",
        "occurred_at": datetime.now(UTC).isoformat(),
        "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/home"},
        "properties": {"title": "Home"} if event_type == "page_view" else {},
    } | extra


def seed(engine: Engine, now: datetime) -> None:
    """12 users over the last three days: signups, page views, carts, purchases, plus
    their sessions, two alerts, three dead letters (one of them replayable) and a churn
    score for :data:`SCORED_USER` (stored by the ML scorer's own writer), whose device id
    browsed one session before signing up."""
    events: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    start = (now - timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    for i in range(12):
        user, t0 = f"user-{i:02d}", start + timedelta(minutes=7 * i)
        plan = [("signup", 0), ("page_view", 1), ("page_view", 3)]
        if i % 2 == 0:
            plan.append(("add_to_cart", 5))
        if i % 4 == 0:
            plan.append(("purchase", 9))
        if i % 3 == 0:  # returns the next day, and today
            plan += [("page_view", 24 * 60), ("page_view", 24 * 60 + 2)]
        if i % 3 != 2:
            back = 2 if i % 3 == 0 else 40
            plan.append(("page_view", int((now - t0).total_seconds() // 60) - back))
        for n, (kind, minutes) in enumerate(plan):
            at = t0 + timedelta(minutes=minutes)
            events.append({
                "event_id": uuid.uuid4(), "user_id": user, "session_id": f"s-{i}-{n}",
                "event_type": kind, "occurred_at": at, "received_at": at, "schema_version": 1,
                "amount_cents": 1_000 + 250 * i if kind == "purchase" else None,
                "currency": "EUR" if kind == "purchase" else None,
                "context": {"platform": "web", "country": "DE" if i % 2 else "FR",
                            "page": PAGES[n % len(PAGES)]},
                "properties": {},
            })  # fmt: skip
        sessions.append({
            "session_id": str(uuid.uuid5(uuid.NAMESPACE_URL, user)), "user_id": user,
            "started_at": _us(t0), "ended_at": _us(t0) + (0 if i % 5 == 0 else 60_000_000 * i),
            "events": 1 if i % 5 == 0 else len(plan), "page_views": 2, "entry_page": "/home",
            "exit_page": "/cart", "converted": i % 4 == 0, "revenue_cents": 0, "purchases": 0,
            "final": True,
        })  # fmt: skip
    before = start + timedelta(minutes=7 * 4 - 30)  # SCORED_USER, half an hour before sign-up
    events.append({
        "event_id": uuid.uuid4(), "user_id": DEVICE_ID, "session_id": "s-anon", "event_type":
        "page_view", "occurred_at": before, "received_at": before, "schema_version": 1,
        "amount_cents": None, "currency": None,
        "context": {"platform": "web", "country": "FR", "page": "/home"}, "properties": {},
    })  # fmt: skip
    sessions.append({
        "session_id": str(uuid.uuid5(uuid.NAMESPACE_URL, DEVICE_ID)), "user_id": DEVICE_ID,
        "started_at": _us(before), "ended_at": _us(before), "events": 1, "page_views": 1,
        "entry_page": "/home", "exit_page": "/home", "converted": False, "revenue_cents": 0,
        "purchases": 0, "final": True,
    })  # fmt: skip
    alerts = [
        {"alert_id": str(uuid.uuid4()), "rule": rule, "user_id": user, "severity": "warning",
         "at": _us(now - timedelta(hours=h)), "evidence": {"events": 3}}
        for rule, user, h in [("cart_abandonment", "user-02", 5), ("burst", "user-04", 1)]
    ]  # fmt: skip
    at = (now - timedelta(hours=1)).isoformat()
    good = orjson.dumps(valid_event("user-03", occurred_at=at, received_at=at, schema_version=1))
    dead = [
        {"source_topic": "events.v1", "source_partition": 0, "source_offset": n,
         "message_key": b"user-03", "payload": payload, "kind": kind, "field": field,
         "rule": rule, "message": message, "details": {}}
        for n, (payload, kind, field, rule, message) in enumerate([
            (b"{not json", "decode_error", "", "json_invalid", "not JSON"),
            (b'{"event_type":"teleport"}', "schema_violation", "event_type", "union_tag_invalid",
             "unknown event type"),
            (good, "schema_violation", "schema_version", "unknown_version",
             "a reader upgrade was pending"),
        ])
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(EVENTS), events)
        conn.execute(insert(SESSIONS), sessions)
        conn.execute(insert(ALERTS), alerts)
        conn.execute(insert(DEAD), dead)
        conn.execute(insert(PERSONS), [{"distinct_id": i, "person_id": SCORED_USER}
                                       for i in (DEVICE_ID, SCORED_USER)])  # fmt: skip
        insert_predictions(conn, [_prediction(SCORED_USER, now)])
        stats = recomputed_stats(conn)
        conn.execute(insert(STATS), [{"user_id": u, **v} for u, v in stats.items()])


def _prediction(user: str, now: datetime) -> dict[str, Any]:
    """A ``predictions`` row shaped as the scorer writes it, with three top features."""
    source = str(uuid.uuid4())
    return {
        "prediction_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"churn_online|{source}")),
        "model_name": "churn_online", "model_version": 2, "user_id": user,
        "source_id": source, "as_of": _us(now - timedelta(minutes=30)), "scored_at": _us(now),
        "score": 0.734219,
        "contributions": [
            {"feature": "recency_s", "value": 86_400.0, "effect": 0.212},
            {"feature": "sessions_7d", "value": 1.0, "effect": 0.087},
            {"feature": "purchases_30d", "value": 1.0, "effect": -0.041},
        ],
    }  # fmt: skip
