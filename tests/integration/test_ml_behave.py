"""``eventtide ml behave`` over real Kafka and PostgreSQL: train ``behaviour`` on stored
history (user-days, the default), publish two live days of events (two partitions, a
few out of order, some sent twice, an identity event and a bad record), kill -9 the
detector mid-stream,
restart it, and the stored alerts are exactly those the pure step gives over the whole
stream sent once (each active user's trailing day judged every hour, one alert per episode in
its latest form); the click bots are among them. A crawler in each partition, active when the
kill lands, makes the comparison depend on the restored state (without it, the panes
and flagged episodes would lose what was read before the kill)."""

from __future__ import annotations

import os
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from behaviour_history import history, store
from confluent_kafka import Producer
from service_processes import spawn
from sqlalchemy import select
from storage_helpers import create_topic, end_offsets
from typer.testing import CliRunner

from eventtide.core.cli import build_app
from eventtide.core.db import make_engine
from eventtide.core.db.behaviour import HEADER_KEY, KIND, SEGMENT_KIND, segment_hop
from eventtide.core.db.processor_tables import AlertRow, ProcessorState
from eventtide.ml.behave import LiveEvent, parse_event
from eventtide.ml.behave_alerts import RULE, alert_rows, episode_rows
from eventtide.ml.behave_state import US, PartitionState, advance, split_user_key
from eventtide.ml.behaviour_model import BEHAVIOUR_MODEL
from eventtide.ml.behaviour_training import load_behaviour_model
from eventtide.ml.registry import production

pytestmark = pytest.mark.integration

START = datetime(2025, 3, 3, tzinfo=UTC)
DAYS, LIVE_DAYS, PARTITIONS = 10, 2, 2
CRAWLERS = ("crawler-0", "crawler-4")
RESENT_EVERY = 40
"""Every 40th record is produced a second time right after the first: a retry."""
assert sorted(zlib.crc32(c.encode()) % PARTITIONS for c in CRAWLERS) == [0, 1]


def _wire(at: float, name: str, user: str, amount: float) -> bytes:
    stamp = datetime.fromtimestamp(at, UTC).isoformat()
    return orjson.dumps(
        {"event_id": str(uuid.uuid4()), "event_type": name, "user_id": user, "session_id": "s",
         "occurred_at": stamp, "received_at": stamp, "schema_version": 2,
         "context": {"platform": "web", "country": "DE", "page": "/"},
         "properties": {"amount": amount} if name == "purchase" else {}}
    )  # fmt: skip


def _records() -> list[tuple[int, bytes]]:
    """(partition, value) in the order produced: the live days, an identity event, junk."""
    first = (START + timedelta(days=DAYS)).timestamp()
    live = history(first, LIVE_DAYS, seed=8)
    # in each partition a crawler every 10 s for the first six hours: the kill lands
    # inside one of their windows, which only a restored state gets right
    live = sorted(
        live
        + [(first + 10.0 * i, "page_view", crawler, 0.0) for crawler in CRAWLERS
           for i in range(2_160)]
    )  # fmt: skip
    # every 50th event two seconds late (within the allowed lateness of 10 s)
    live = [(at - 2.0 if i % 50 == 0 else at, n, u, a) for i, (at, n, u, a) in enumerate(live)]
    out = [(zlib.crc32(u.encode()) % PARTITIONS, _wire(at, n, u, a)) for at, n, u, a in live]
    out.insert(100, (0, _wire(live[100][0], "identify", "h001", 0.0)))
    out.insert(200, (1, b"not json"))
    return out


def test_behave_stores_each_alert_once_across_a_kill9(
    kafka_bootstrap: str, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = fresh_database_url
    store(url, history(START.timestamp(), DAYS))
    monkeypatch.setenv("DATABASE_URL", url)
    trained = CliRunner().invoke(
        build_app(),
        ["ml", "train", "behaviour", "--cutoff", "2025-03-11", "--held-out-days", "2"],
    )
    assert trained.exit_code == 0, trained.output
    assert "promoted: no production model yet" in trained.output

    records = _records()
    events = create_topic(kafka_bootstrap, "test.events", PARTITIONS)
    alerts = create_topic(kafka_bootstrap, "test.alerts", 1)
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "enable.idempotence": True})
    resent = 0
    for index, (partition, value) in enumerate(records):
        producer.produce(events, value, b"k", partition=partition)
        if index % RESENT_EVERY == 0 and isinstance(parse_event(value), LiveEvent):
            producer.produce(events, value, b"k", partition=partition)
            resent += 1
    assert producer.flush(30) == 0

    group = f"b-{uuid.uuid4().hex[:8]}"
    marks, log = tmp_path / "marks", tmp_path / "behave.log"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DATABASE_URL": url,
        "EVENTTIDE_ML_BEHAVE_EVENTS_TOPIC": events,
        "EVENTTIDE_ML_BEHAVE_ALERTS_TOPIC": alerts,
        "EVENTTIDE_ML_BEHAVE_GROUP_ID": group,
        "EVENTTIDE_ML_BEHAVE_BATCH_MAX_EVENTS": "150",
        "EVENTTIDE_ML_BEHAVE_SESSION_TIMEOUT_MS": "6000",
        "EVENTTIDE_FAULT_MARK_FILE": str(marks),
    }
    killed = spawn(
        ["ml", "behave", "--json"], {**env, "EVENTTIDE_FAULT_KILL_AT": "db-committed:4"}, log
    )
    assert killed.wait(120) == -9, log.read_text()[-3000:]
    assert marks.read_text().split() == ["db-committed"]
    final = spawn(["ml", "behave", "--json", "--idle-exit", "4"], env, log)
    assert final.wait(120) == 0, log.read_text()[-3000:]

    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(
            select(AlertRow.alert_id, AlertRow.user_id, AlertRow.severity, AlertRow.at,
                   AlertRow.evidence).where(AlertRow.rule == RULE)
        ).all()  # fmt: skip
        states = conn.execute(
            select(ProcessorState.partition, ProcessorState.kind, ProcessorState.key).where(
                ProcessorState.group_id == group
            )
        ).all()
        served = production(conn, BEHAVIOUR_MODEL)
    engine.dispose()
    assert served is not None
    model = load_behaviour_model(served)
    oracle, finals = [], []
    for partition in range(PARTITIONS):
        parsed = [parse_event(v) for p, v in records if p == partition]
        live = [e for e in parsed if isinstance(e, LiveEvent)]
        state, window_us = PartitionState(), round(model.window_s * US)
        closed = advance(state, live, window_us, 10 * US, 3_600 * US)
        flagged = alert_rows(closed, model, served.version, 3_600 * US)
        oracle += episode_rows(state, flagged, window_us, 10 * US)
        finals.append(state)
    # each alert in its latest form: the episode as it grew over the whole stream
    got = sorted((r[0], r[1], r[2], r[3], r[4]["score"], r[4]["events"], r[4]["episode"])
                 for r in stored)  # fmt: skip
    assert got == sorted(
        (e["alert_id"], e["user_id"], e["severity"], e["at"], e["evidence"]["score"],
         e["evidence"]["events"], e["evidence"]["episode"])
        for e in oracle
    )  # fmt: skip
    assert any(e["evidence"]["episode"]["windows"] > 1 for e in oracle)  # some grew in place
    assert {"b0", "b1", *CRAWLERS} <= {r[1] for r in stored}
    # a header per partition, and segments of the hops the state holds: the segments
    # of the hops let go were deleted
    assert sorted((p, key) for p, kind, key in states if kind == KIND) == [
        (p, HEADER_KEY) for p in range(PARTITIONS)
    ]
    segments = {(p, segment_hop(key)) for p, kind, key in states if kind == SEGMENT_KIND}
    assert segments == {(p, split_user_key(k)[1]) for p, s in enumerate(finals) for k in s.open}
    summary = [orjson.loads(x) for x in log.read_text().splitlines() if x.startswith("{")][-1]
    assert summary["behave"]["invalid"] <= 1
    # every retry was known by its id, the count carried across the kill in the state
    assert summary["behave"]["repeats"] == resent > 100
    # alerts.v1 gets every form written after each commit (a grown episode again, same
    # id): what the last run wrote is there, and a batch committed just before the
    # SIGKILL reaches it through the outbox
    written = summary["behave"]["alerts_written"]
    assert sum(end_offsets(kafka_bootstrap, alerts, 1).values()) >= written > 0
