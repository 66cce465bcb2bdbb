"""Custom events and identity calls go through Kafka into PostgreSQL like typed events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import text
from storage_helpers import (
    consumer_env,
    create_topic,
    produce,
    simulated_events,
    start_consumer,
    stats_problems,
    stored_ids,
)

from eventtide.core.db import make_engine
from eventtide.core.events import CustomEvent, Rejection, validate_event
from eventtide.core.identity import link_from_event, resolve

pytestmark = pytest.mark.integration

LONG_NAME = "Checkout Step " + "x" * 186  # 200 characters: the widest name allowed


def _event(name: str, user: str, minute: int, properties: dict[str, Any]) -> Any:
    at = datetime.now(UTC) - timedelta(hours=2) + timedelta(minutes=minute)
    event = validate_event(
        {
            "event_id": uuid.uuid4(),
            "event_type": name,
            "user_id": user,
            "session_id": f"{user}-s",
            "occurred_at": at,
            "received_at": at,
            "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/"},
            "properties": properties,
        }
    )
    assert not isinstance(event, Rejection), event
    return event


def test_custom_and_identity_events_are_stored_exactly_and_link_persons(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    assert len(LONG_NAME) == 200
    sent = [
        _event("Onboarding Step Completed", "anon-7", 0, {"step": 1, "tags": ["a", {"b": None}]}),
        _event(LONG_NAME, "anon-7", 1, {}),
        _event("identify", "alice", 2, {"anonymous_id": "anon-7", "set": {"plan": "pro"}}),
        _event("Invite Sent", "alice", 3, {"invitee": "bob@example.com"}),
        _event("alias", "alice-new", 4, {"previous_id": "alice"}),
    ]
    assert isinstance(sent[0], CustomEvent)
    topic = create_topic(kafka_bootstrap, "test.openvocab")
    produced = produce(kafka_bootstrap, topic, [*simulated_events(500), *sent])
    assert (produced.failed, produced.unconfirmed) == (0, 0)
    log = tmp_path / "consumer.log"
    env = consumer_env(kafka_bootstrap, fresh_database_url)
    proc = start_consumer(env, topic, f"g-{uuid.uuid4().hex[:8]}", log, idle_exit=4)
    assert proc.wait(120) == 0, log.read_text()[-3000:]

    assert sorted(stored_ids(fresh_database_url)) == sorted(produced.ids)
    assert stats_problems(fresh_database_url) == []
    engine = make_engine(fresh_database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT event_id, event_type, user_id, properties, occurred_at FROM user_events "
                "WHERE event_id = ANY(:ids) ORDER BY occurred_at"
            ),
            {"ids": [event.event_id for event in sent]},
        ).all()
        alice = conn.execute(
            text("SELECT total_events FROM user_stats WHERE user_id = 'alice'")
        ).scalar_one()
    engine.dispose()
    assert [row.event_type for row in rows] == [event.event_type for event in sent]
    stored_properties = [
        row.properties if isinstance(row.properties, dict) else orjson.loads(row.properties)
        for row in rows
    ]
    assert stored_properties[0] == {"step": 1, "tags": ["a", {"b": None}]}
    assert alice == 2, "custom events and identify count in total_events"

    links = [
        link
        for row, props in zip(rows, stored_properties, strict=True)
        if (
            link := link_from_event(
                row.event_type, row.user_id, props, row.occurred_at, row.event_id
            )
        )
    ]
    persons = resolve(links)
    assert {persons.person(i) for i in ("anon-7", "alice", "alice-new")} == {"alice"}
