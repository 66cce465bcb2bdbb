"""``eventtide consume`` as a real process against real Kafka and PostgreSQL."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from confluent_kafka import Consumer
from sqlalchemy import text
from storage_helpers import (
    checksum,
    committed_offsets,
    consumer_env,
    count_stored,
    create_topic,
    dead_letters,
    end_offsets,
    produce,
    simulated_events,
    start_consumer,
    stats_problems,
    stored_ids,
)

from eventtide.core.db import make_engine
from eventtide.core.kafka import EventProducer, ProducerTuning, producer_config
from eventtide.core.kafka.codec import header

pytestmark = pytest.mark.integration


def _summary(log: Path) -> dict:
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    return json.loads(lines[-1])


def test_everything_stored_once_offsets_committed_and_a_replay_adds_nothing(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, "test.consume")
    produced = produce(kafka_bootstrap, topic, simulated_events(20_000))
    assert (produced.failed, produced.unconfirmed) == (0, 0)
    group, log = f"g-{uuid.uuid4().hex[:8]}", tmp_path / "consumer.log"
    env = consumer_env(kafka_bootstrap, fresh_database_url)
    proc = start_consumer(env, topic, group, log, idle_exit=4)
    assert proc.wait(120) == 0, log.read_text()[-3000:]
    ids = stored_ids(fresh_database_url)
    assert len(ids) == 20_000
    assert checksum(ids) == checksum(produced.ids)
    assert stats_problems(fresh_database_url) == []
    assert committed_offsets(kafka_bootstrap, group, topic, 6) == end_offsets(
        kafka_bootstrap, topic, 6
    )

    # Forget the stored offsets: everything is delivered again and nothing changes.
    engine = make_engine(fresh_database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM consumer_offsets"))
    engine.dispose()
    proc = start_consumer(env, topic, group, log, idle_exit=4)
    assert proc.wait(120) == 0, log.read_text()[-3000:]
    summary = _summary(log)
    assert (summary["stored"], summary["duplicates"]) == (0, 20_000)
    assert checksum(stored_ids(fresh_database_url)) == checksum(produced.ids)
    assert stats_problems(fresh_database_url) == []


def test_dead_letters_reach_topic_and_table_and_replay_resubmits_what_now_passes(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, "test.dlq")
    dlq_topic = create_topic(kafka_bootstrap, "test.dlq.dead", partitions=1)
    good = list(simulated_events(200))
    soon = datetime.now(UTC) + timedelta(seconds=20)
    future = good[0].model_copy(update={"event_id": uuid.uuid4(), "occurred_at": soon})
    bad = [(10, b"{broken"), (20, b'{"event_type": "page_view"}')]
    produced = produce(kafka_bootstrap, topic, good, extra=bad)
    assert produced.failed == 0
    producer = EventProducer(producer_config(kafka_bootstrap, ProducerTuning()), topic)
    producer.send(future)  # valid later: the consumer's clock rule refuses it today
    assert producer.flush(30) == 0

    env = consumer_env(
        kafka_bootstrap, fresh_database_url,
        EVENTTIDE_DLQ_TOPIC=dlq_topic, EVENTTIDE_MAX_CLOCK_SKEW_S="0",
        EVENTTIDE_EVENTS_TOPIC=topic,
    )  # fmt: skip
    proc = start_consumer(env, topic, "g-dlq", tmp_path / "c.log", idle_exit=4)
    assert proc.wait(120) == 0
    assert count_stored(fresh_database_url) == 200
    letters = {letter.rule: letter for letter in dead_letters(fresh_database_url)}
    assert set(letters) == {"json_invalid", "missing", "occurred_in_future"}
    assert letters["json_invalid"].payload == b"{broken"
    assert letters["missing"].kind == "schema_violation"

    reader = Consumer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": "dlq-reader",
            "auto.offset.reset": "earliest",
        }
    )
    reader.subscribe([dlq_topic])
    seen = []
    deadline = time.monotonic() + 30
    while len(seen) < 3 and time.monotonic() < deadline:
        seen += [m for m in reader.consume(10, 1.0) if m.error() is None]
    reader.close()
    assert len(seen) == 3
    by_rule = {header(m.headers(), "error_rule"): m for m in seen}
    broken = by_rule["json_invalid"]
    assert broken.value() == b"{broken"
    assert header(broken.headers(), "error_class") == "malformed_json"
    assert header(broken.headers(), "original_topic") == topic
    assert header(broken.headers(), "original_offset") is not None

    cli = str(Path(__import__("sys").executable).parent / "eventtide")
    listing = subprocess.run(
        [cli, "dlq", "list"],
        env={**env, "COLUMNS": "300"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "occurred_in_future" in listing.stdout
    shown = subprocess.run(
        [cli, "dlq", "show", str(letters["json_invalid"].id)], env=env, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    assert "{broken" in shown.stdout

    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 1)
    replayed = subprocess.run(
        [cli, "dlq", "replay"], env=env, capture_output=True, text=True, check=True
    )
    assert "resubmitted 1" in replayed.stdout, replayed.stdout
    assert "still invalid" in replayed.stdout
    proc = start_consumer(env, topic, "g-dlq", tmp_path / "c.log", idle_exit=4)
    assert proc.wait(120) == 0
    ids = stored_ids(fresh_database_url)
    assert future.event_id in ids
    assert len(ids) == 201
    marked = {d.rule: d.replay_result for d in dead_letters(fresh_database_url)}
    assert marked == {"json_invalid": None, "missing": None, "occurred_in_future": "resubmitted"}
    assert stats_problems(fresh_database_url) == []


def test_sigterm_finishes_the_batch_and_leaves_within_the_grace_period(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, "test.sigterm")
    produced = produce(kafka_bootstrap, topic, simulated_events(30_000))
    log = tmp_path / "c.log"
    env = consumer_env(
        kafka_bootstrap, fresh_database_url, EVENTTIDE_CONSUMER_SHUTDOWN_GRACE_S="10"
    )
    proc = start_consumer(env, topic, "g-term", log)
    deadline = time.monotonic() + 60
    while count_stored(fresh_database_url) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    assert proc.wait(15) == 0, log.read_text()[-3000:]
    assert time.monotonic() - sent < 10
    assert _summary(log)["stopped_by"] == "SIGTERM"
    proc = start_consumer(env, topic, "g-term", log, idle_exit=4)
    assert proc.wait(120) == 0
    ids = stored_ids(fresh_database_url)
    assert len(ids) == 30_000
    assert checksum(ids) == checksum(produced.ids)
    assert stats_problems(fresh_database_url) == []
