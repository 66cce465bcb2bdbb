"""The API benchmark's ``sessions`` fill cuts sessions where the processor's sessionizer
does, so the profile it measures reads the rows a live pipeline would leave."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import insert

from bench.api import queries
from bench.api.sessions_fill import sessionize
from eventtide.core.db import UserEvent, libpq_url, make_engine
from eventtide.processor.config import ProcessorConfig
from eventtide.processor.model import Event, to_micros
from eventtide.processor.sessions import sessionize as processor_sessions

pytestmark = pytest.mark.integration


def _stored_sessions(url: str) -> set[tuple[str, int, int, int]]:
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute("SELECT user_id, started_at, ended_at, events FROM sessions")
        return {(u, int(s), int(e), int(n)) for u, s, e, n in rows}


def _processor_sessions(url: str, config: ProcessorConfig) -> set[tuple[str, int, int, int]]:
    by_user: dict[str, list[Event]] = {}
    with psycopg.connect(libpq_url(url)) as conn:
        for user, event_id, event_type, at in conn.execute(
            "SELECT user_id, event_id::text, event_type, occurred_at FROM user_events"
        ):
            by_user.setdefault(user, []).append(
                Event(event_id, event_type, user, to_micros(at), "", "", "")
            )
    found = set()
    for user, events in by_user.items():
        events.sort(key=lambda e: (e.ts, e.event_id))
        for run in processor_sessions(events, config.session_gap, config.session_max):
            found.add((user, run[0].ts, run[-1].ts, len(run)))
    return found


def _edge_user(url: str) -> None:
    """Gaps at the rule's edge: exactly 30 minutes stays one session, a microsecond more
    starts the next (the generator's own gaps are seconds or hours)."""
    start = datetime(2026, 11, 20, 9, tzinfo=UTC)
    offsets = [timedelta(0), timedelta(minutes=30), timedelta(minutes=60, microseconds=1),
               timedelta(minutes=75)]  # fmt: skip
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(UserEvent), [
            {"event_id": uuid.uuid4(), "user_id": "edge", "session_id": "s",
             "event_type": "page_view", "occurred_at": start + o, "received_at": start + o,
             "schema_version": 1, "context": {"page": "/"}, "properties": {}}
            for o in offsets
        ])  # fmt: skip
    engine.dispose()


def test_the_fill_equals_the_processors_sessions(fresh_database_url: str) -> None:
    queries.backfill(fresh_database_url, 4_000, users=80, days=3)
    _edge_user(fresh_database_url)
    config = ProcessorConfig()
    filled = sessionize(fresh_database_url)
    want = _processor_sessions(fresh_database_url, config)
    assert filled == len(want) > 80  # several sessions per user
    stored = _stored_sessions(fresh_database_url)
    assert stored == want
    assert sorted(n for user, _, _, n in stored if user == "edge") == [2, 2]
    assert sessionize(fresh_database_url) == filled  # a filled table is left as it is
