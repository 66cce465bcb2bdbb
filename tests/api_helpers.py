"""Helpers for the API tests: the app against given Kafka/PostgreSQL, and event JSON."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from analytics_oracles import Raw
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, insert

from eventtide.api.keys import make_key
from eventtide.api.main import create_app
from eventtide.api.settings import ApiSettings
from eventtide.core.db import UserEvent, make_engine
from eventtide.core.db.apikeys import insert_key
from eventtide.core.db.tables import PERSONS
from eventtide.core.identity import Link, Resolution, resolve
from eventtide.core.settings import CoreSettings


def core_for(bootstrap: str, topic: str, dlq_topic: str) -> CoreSettings:
    """Core settings pointing at the test's broker and topics."""
    return CoreSettings(
        **{"KAFKA_BOOTSTRAP_SERVERS": bootstrap}, events_topic=topic, dlq_topic=dlq_topic
    )


@contextmanager
def api_client(core: CoreSettings, database_url: str, **settings: Any) -> Iterator[TestClient]:
    """The app with its lifespan running (real producers, real engine)."""
    app = create_app(ApiSettings(**settings), core, database_url)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


Reader = tuple[TestClient, Engine, dict[str, str]]
"""A client of the app, an engine on its database and a read key's headers."""


@contextmanager
def reader_client(bootstrap: str, database_url: str) -> Iterator[Reader]:
    """What the analytics tests read through: the app on the default topics, an engine to
    store their rows with, and a read key whose rate limit never throttles them."""
    key = {"x-api-key": new_key(database_url, "read", rate=10_000)}
    engine = make_engine(database_url)
    with api_client(core_for(bootstrap, "events.v1", "events.dlq.v1"), database_url) as client:
        yield client, engine, key
    engine.dispose()


def as_json(event: Any) -> dict[str, Any]:
    """An event model as a client would send it (no received_at: the server sets it)."""
    data: dict[str, Any] = event.model_dump(mode="json", exclude_none=True)
    data.pop("received_at")
    return data


def new_key(database_url: str, *scopes: str, rate: float | None = None) -> str:
    """A stored API key with ``scopes``; returns the plain key."""
    key = make_key()
    engine = make_engine(database_url)
    with engine.begin() as conn:
        insert_key(
            conn, key_id=key.key_id, key_hash=key.key_hash, name="test", scopes=scopes,
            rate_limit_per_s=rate,
        )  # fmt: skip
    engine.dispose()
    return key.plain


def store(engine: Engine, events: list[Raw], links: list[Link] | None = None) -> Resolution:
    """Replace the stored events with ``events`` and the persons with ``links``' persons
    (what the consumer keeps; its own test is services/consumer/tests/
    test_identity_store_sqlite.py). Returns the resolution the oracles count with."""
    resolution = resolve(links or [])
    with engine.begin() as conn:
        conn.execute(delete(UserEvent.__table__))
        conn.execute(delete(PERSONS))
        if resolution.person_of:
            conn.execute(
                insert(PERSONS),
                [{"distinct_id": i, "person_id": p} for i, p in resolution.person_of.items()],
            )
        if events:
            conn.execute(
                insert(UserEvent.__table__),
                [
                    {
                        "event_id": uuid.uuid4(),
                        "user_id": e.user_id,
                        "session_id": "s",
                        "event_type": e.event_type,
                        "occurred_at": e.occurred_at,
                        "received_at": e.occurred_at,
                        "schema_version": 1,
                        "amount_cents": e.amount_cents,
                        "currency": "EUR" if e.amount_cents else None,
                        "context": {"platform": "web"}
                        | ({"country": e.country} if e.country else {})
                        | ({"page": e.page} if e.page is not None else {}),
                        "properties": ({"market": e.country} if e.country else {})
                        | ({"score": e.score} if e.score is not None else {}),
                    }
                    for e in events
                ],
            )
    return resolution
