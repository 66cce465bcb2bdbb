"""The original plan's consumer, as the peer: one ORM object and one commit per event.

Kafka auto-commits offsets on its own schedule, each event is validated, added through
the ORM with its user's statistics row read and updated, and committed alone. It is
kept only to be measured against; it is neither exactly once nor fast.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson
from confluent_kafka import Consumer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from eventtide.core.db import UserEvent, UserStats, make_engine
from eventtide.core.db.columns import TYPE_COUNT_COLUMNS
from eventtide.core.events import PurchaseEvent, Rejection
from eventtide.core.kafka import decode


def store_one(session: Session, event: Any) -> None:
    """One event and its statistics through the ORM, committed on its own."""
    amount = round(event.properties.amount * 100) if isinstance(event, PurchaseEvent) else None
    session.add(
        UserEvent(
            event_id=event.event_id,
            user_id=event.user_id,
            session_id=event.session_id,
            event_type=event.event_type,
            occurred_at=event.occurred_at,
            received_at=event.received_at,
            schema_version=event.schema_version,
            amount_cents=amount,
            currency=getattr(event.properties, "currency", None),
            context=orjson.loads(event.context.model_dump_json()),
            properties=orjson.loads(event.properties.model_dump_json()),
        )
    )
    stats = session.get(UserStats, event.user_id)
    if stats is None:
        stats = UserStats(
            user_id=event.user_id,
            total_events=0,
            total_spent_cents=0,
            first_seen_at=event.occurred_at,
            last_seen_at=event.occurred_at,
            **dict.fromkeys(TYPE_COUNT_COLUMNS.values(), 0),
        )
        session.add(stats)
    stats.total_events += 1
    stats.total_spent_cents += amount or 0
    column = TYPE_COUNT_COLUMNS[event.event_type]
    setattr(stats, column, getattr(stats, column) + 1)
    stats.first_seen_at = min(stats.first_seen_at, event.occurred_at)
    stats.last_seen_at = max(stats.last_seen_at, event.occurred_at)
    session.commit()


def run_naive(bootstrap: str, topic: str, database_url: str, count: int) -> float:
    """Store ``count`` events the naive way; events per second from first to last."""
    engine: Engine = make_engine(database_url)
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"naive-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": True,
        }
    )
    consumer.subscribe([topic])
    stored = 0
    started: float | None = None
    try:
        with Session(engine, expire_on_commit=False) as session:
            while stored < count:
                message = consumer.poll(1.0)
                if message is None or message.error() is not None:
                    continue
                started = started or time.perf_counter()
                event = decode(message.value())
                if isinstance(event, Rejection):
                    continue
                store_one(session, event)
                stored += 1
    finally:
        consumer.close()
        engine.dispose()
    return stored / (time.perf_counter() - (started or time.perf_counter()))
