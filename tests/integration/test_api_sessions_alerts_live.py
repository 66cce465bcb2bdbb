"""Sessions, alerts and the live stream against real PostgreSQL and Kafka.

Sessions and alerts are checked against a plain-Python oracle over the rows the test
wrote into the processor's tables; the live stream against what the test ingested.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from api_helpers import Reader, as_json, core_for, new_key, reader_client
from api_server import serving
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert
from storage_helpers import create_topic, simulated_events

from eventtide.core.db.queries.alerts import ALERTS
from eventtide.core.db.queries.sessions import DURATION_EDGES_S, EVENT_EDGES, SESSIONS
from eventtide.core.db.tables import PERSONS

pytestmark = pytest.mark.integration

BASE_US = int(datetime(2026, 3, 28, 22, 0, tzinfo=UTC).timestamp() * 1_000_000)
HOUR_US = 3_600 * 1_000_000

session_rows = st.lists(
    st.fixed_dictionaries({
        "user_id": st.sampled_from(["a", "b", "c"]),
        "started_at": st.integers(0, 48).map(lambda h: BASE_US + h * HOUR_US),
        "length_us": st.integers(0, 24 * HOUR_US),
        "events": st.integers(1, 60),
    }),
    max_size=25,
)  # fmt: skip  # several sessions may start at the same instant: paging must hold them apart


@pytest.fixture
def reader(kafka_bootstrap: str, fresh_database_url: str) -> Iterator[Reader]:
    with reader_client(kafka_bootstrap, fresh_database_url) as found:
        yield found


def _bucket(value: float, edges: tuple[int, ...]) -> int:
    return max(i for i, edge in enumerate(edges) if value >= edge) if value >= edges[0] else 0


def _iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1_000_000, UTC).isoformat()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=session_rows, since_h=st.integers(0, 30), user=st.sampled_from([None, "a", "b"]),
       linked=st.booleans())  # fmt: skip
def test_sessions_equal_the_oracle(
    reader: tuple[TestClient, Engine, dict], rows: list[dict], since_h: int, user: str | None,
    linked: bool,
) -> None:  # fmt: skip
    """``user_id`` asks for a person: with "b" identified as "a", either id lists both."""
    client, engine, key = reader
    stored = [
        {"session_id": str(uuid.uuid4()), "user_id": r["user_id"], "started_at": r["started_at"],
         "ended_at": r["started_at"] + r["length_us"], "events": r["events"], "page_views": 1,
         "entry_page": "/", "exit_page": "/", "converted": False, "revenue_cents": 0,
         "purchases": 0, "final": True}
        for r in rows
    ]  # fmt: skip
    links = [{"distinct_id": "a", "person_id": "a"}, {"distinct_id": "b", "person_id": "a"}]
    with engine.begin() as conn:
        conn.execute(delete(SESSIONS))
        conn.execute(delete(PERSONS))
        if stored:
            conn.execute(insert(SESSIONS), stored)
        if linked:
            conn.execute(insert(PERSONS), links)
    since = BASE_US + since_h * HOUR_US
    ids = {"a", "b"} if linked and user in ("a", "b") else {user}
    chosen = [
        s for s in stored if s["started_at"] >= since and (user is None or s["user_id"] in ids)
    ]
    query: dict[str, Any] = {"since": _iso(since)} | ({"user_id": user} if user else {})
    stats = client.get("/v1/sessions/stats", params=query, headers=key).json()
    durations = [(s["ended_at"] - s["started_at"]) / 1_000_000 for s in chosen]
    assert stats["sessions"] == len(chosen)
    if chosen:
        assert stats["median_duration_s"] == pytest.approx(statistics.median(durations))
        assert stats["events_per_session"] == pytest.approx(
            statistics.mean(s["events"] for s in chosen)
        )
        assert stats["bounce_rate"] == pytest.approx(
            sum(s["events"] == 1 for s in chosen) / len(chosen)
        )
    else:
        assert stats["median_duration_s"] is None
        assert stats["bounce_rate"] is None
    assert stats["duration_histogram"] == [
        sum(_bucket(d, DURATION_EDGES_S) == i for d in durations)
        for i in range(len(DURATION_EDGES_S))
    ]
    assert stats["events_histogram"] == [
        sum(_bucket(s["events"], EVENT_EDGES) == i for s in chosen) for i in range(len(EVENT_EDGES))
    ]
    seen, cursor = [], None
    while True:
        params = query | {"limit": 4} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/sessions", params=params, headers=key).json()
        seen += [s["session_id"] for s in page["sessions"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    want = sorted(chosen, key=lambda s: (s["started_at"], s["session_id"]), reverse=True)
    assert seen == [s["session_id"] for s in want]


def test_alerts_newest_first_paged_and_filtered(reader: tuple[TestClient, Engine, dict]) -> None:
    client, engine, key = reader
    at = BASE_US
    rows = [
        {"alert_id": str(uuid.uuid4()), "rule": ("burst", "cart")[i % 2], "user_id": f"u{i % 3}",
         "severity": "warning", "at": at + (i // 2) * 1_000_000, "evidence": {"i": i}}
        for i in range(9)
    ]  # fmt: skip
    with engine.begin() as conn:  # u2 signed in as u1: one person, asked by either id
        conn.execute(insert(ALERTS), rows)
        conn.execute(insert(PERSONS), [{"distinct_id": i, "person_id": "u1"} for i in ("u1", "u2")])
    person = {"u0": {"u0"}, "u1": {"u1", "u2"}, "u2": {"u1", "u2"}}

    def wanted(row: dict[str, Any], flt: dict[str, str]) -> bool:
        if "rule" in flt and row["rule"] != flt["rule"]:
            return False
        return "user_id" not in flt or row["user_id"] in person[flt["user_id"]]

    for flt in ({}, {"user_id": "u0"}, {"user_id": "u2"}, {"rule": "cart"}):
        got, cursor = [], None
        while True:
            params = flt | {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = client.get("/v1/alerts", params=params, headers=key).json()
            got += [a["alert_id"] for a in page["alerts"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        want = sorted(
            (r for r in rows if wanted(r, flt)),
            key=lambda r: (r["at"], r["alert_id"]), reverse=True,
        )  # fmt: skip
        assert got == [r["alert_id"] for r in want], flt
    assert client.get("/v1/alerts", params={"cursor": "bm9wZQ=="}, headers=key).status_code == 400
    assert client.get("/v1/alerts").status_code == 401


@pytest.mark.parametrize("source", ["kafka", "ingest"])
def test_live_stream_sends_the_ingested_events_of_the_chosen_type(
    kafka_bootstrap: str, fresh_database_url: str, source: str
) -> None:
    read = new_key(fresh_database_url, "read", rate=10_000)
    ingest = new_key(fresh_database_url, "ingest", rate=10_000)
    topic = create_topic(kafka_bootstrap, "live", partitions=3)
    core = core_for(kafka_bootstrap, topic, f"{topic}.dlq")
    with serving(core, fresh_database_url, live_source=source) as base:
        received: list[tuple[str, dict]] = []
        opened = threading.Event()

        def listen() -> None:
            params = {"event_type": chosen_type[0]}
            with httpx.stream("GET", f"{base}/v1/live", params=params,
                              headers={"x-api-key": read}, timeout=10) as response:  # fmt: skip
                assert response.status_code == 200
                opened.set()
                kind = ""
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: "):
                        received.append((kind, orjson.loads(line[6:])))
                    if (
                        sum(d["total"] for k, d in received if k == "tick") >= len(buys)
                        or len(received) > 500
                    ):
                        return

        chosen_type: list[str] = []
        listener = threading.Thread(target=listen, daemon=True)
        batch = [as_json(e) for e in simulated_events(30, users=5)]
        chosen = next(e["event_type"] for e in batch if e["event_type"] != "page_view")
        buys = [e for e in batch if e["event_type"] == chosen]
        chosen_type.append(chosen)
        listener.start()
        assert opened.wait(10)
        started = time.monotonic()
        response = httpx.post(
            f"{base}/v1/events", json=batch, headers={"x-api-key": ingest}, timeout=10
        )
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == 30
        listener.join(timeout=5)
        assert not listener.is_alive(), f"the stream sent {received}"
        assert time.monotonic() - started < 3
    events = [d for k, d in received if k == "event"]
    # page views filtered out; each user's events in order (one user, one partition:
    # Kafka orders a partition, not the topic, and the tail fetches partitions in chunks)
    assert sorted(d["event_id"] for d in events) == sorted(b["event_id"] for b in buys)
    for user in {b["user_id"] for b in buys}:
        assert [d["event_id"] for d in events if d["user_id"] == user] == [
            b["event_id"] for b in buys if b["user_id"] == user
        ]
    assert all(set(d["counts"]) <= {chosen} for k, d in received if k == "tick")
    assert sum(d["total"] for k, d in received if k == "tick") == len(buys)
