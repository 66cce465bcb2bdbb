"""``eventtide process`` as a real process against real Kafka and PostgreSQL: the tables
equal the independent oracle, also after kill -9 at named phases of the batch loop."""

from __future__ import annotations

import random
import time
import uuid
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Producer
from processor_helpers import (
    OracleResult,
    oracle,
    processor_env,
    produce_stream,
    summary_lines,
    table_differences,
)
from service_processes import reap_processes, start_service
from sqlalchemy import func, select
from storage_helpers import create_topic, end_offsets, simulated_events, topic_values

from eventtide.core.db import make_engine
from eventtide.core.db.outbox import OutboxRow
from eventtide.core.db.processor_tables import WindowAggregate
from eventtide.core.kafka.codec import encode
from eventtide.core.transactional.rebalances import rebalances
from eventtide.processor.config import ProcessorConfig
from eventtide.processor.model import Event, from_mapping

pytestmark = pytest.mark.integration

PARTITIONS = 3


@pytest.fixture(autouse=True)
def _reap() -> object:
    yield
    reap_processes()


def _output_topics(bootstrap: str) -> dict[str, str]:
    names = ("windows", "sessions", "alerts", "features", "late")
    return {
        f"EVENTTIDE_PROCESSOR_{n.upper()}_TOPIC": create_topic(bootstrap, f"test.{n}", 1)
        for n in names
    }


def test_the_tables_equal_the_oracle(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, "test.process", PARTITIONS)
    events = produce_stream(kafka_bootstrap, topic, 3_000, PARTITIONS)
    outputs = _output_topics(kafka_bootstrap)
    log = tmp_path / "processor.log"
    env = processor_env(kafka_bootstrap, fresh_database_url, **outputs)
    proc = start_service("process", env, topic, f"g-{uuid.uuid4().hex[:8]}", log, idle_exit=4)
    assert proc.wait(180) == 0, log.read_text()[-3000:]
    assert table_differences(fresh_database_url, events) == []
    summary = summary_lines(log)[-1]
    assert summary["loop"]["consumed"] == len(events) + PARTITIONS
    assert summary["processor"]["late"] == 0
    windows = outputs["EVENTTIDE_PROCESSOR_WINDOWS_TOPIC"]
    features = outputs["EVENTTIDE_PROCESSOR_FEATURES_TOPIC"]
    assert end_offsets(kafka_bootstrap, features, 1)[0] > 0
    _windows_topic_matches_the_table(kafka_bootstrap, windows, fresh_database_url)


def _windows_topic_matches_the_table(bootstrap: str, topic: str, url: str) -> None:
    """Every window row reached the topic (through the outbox), the latest record of each
    key is the row, and a clean exit leaves no outbox row behind."""
    latest = {}
    for value in topic_values(bootstrap, topic, 1):
        record = orjson.loads(value)
        key = tuple(
            record[c] for c in ("partition", "window", "window_start", "dimension", "value")
        )
        latest[key] = (record["count"], record["unique_users"], record["final"])
    engine = make_engine(url)
    t = WindowAggregate
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.partition, t.window, t.window_start, t.dimension, t.value, t.count,
                   t.unique_users, t.final)
        ).all()  # fmt: skip
        left = conn.scalar(select(func.count()).select_from(OutboxRow))
    engine.dispose()
    assert rows
    assert latest == {tuple(r[:5]): tuple(r[5:]) for r in rows}
    assert left == 0


KILL_PHASES = ("polled", "prepared", "writing", "db-committed")
KILLS = 14
STREAM = 100_000
"""The kills below commit at most 12 batches of 5,000 between them (counted from the seed:
a kill at ``phase:n`` commits n - 1 batches, n at ``db-committed``): the stream outlasts
them, so the final run must go on from their checkpoints."""


@pytest.fixture(scope="module")
def long_stream(kafka_bootstrap: str) -> tuple[str, list[Event], OracleResult]:
    """100,000 events on one topic and the oracle's tables for them (both made once)."""
    topic = create_topic(kafka_bootstrap, "test.process.kill", PARTITIONS)
    events = produce_stream(kafka_bootstrap, topic, STREAM, PARTITIONS, users=20_000)
    return topic, events, oracle(events, ProcessorConfig())


def test_kill9_at_random_points_leaves_tables_equal_to_the_oracle(
    kafka_bootstrap: str,
    fresh_database_url: str,
    tmp_path: Path,
    long_stream: tuple[str, list[Event], OracleResult],
) -> None:
    """14 SIGKILLs at random phases and batch counts; static membership (one instance
    id) lets each restart take the partitions over at once instead of after the session
    timeout. Each kill must land (its phase in the mark file) and the run goes on from
    the checkpoint the killed process committed last."""
    topic, events, expected = long_stream
    rnd = random.Random(13)  # noqa: S311 - reproducible kill points, not secrets
    kills = [f"{rnd.choice(KILL_PHASES)}:{rnd.randint(1, 3)}" for _ in range(KILLS)]
    kills[:2] = ["assigned:1", "writing:2"]  # the restore path and mid-transaction, surely
    marks, log = tmp_path / "marks", tmp_path / "processor.log"
    group = f"g-{uuid.uuid4().hex[:8]}"
    env = processor_env(
        kafka_bootstrap, fresh_database_url,
        EVENTTIDE_PROCESSOR_TOPICS_ENABLED="false",
        EVENTTIDE_PROCESSOR_BATCH_MAX_EVENTS="5000",
        EVENTTIDE_PROCESSOR_INSTANCE_ID=f"{group}-only",
        EVENTTIDE_FAULT_MARK_FILE=str(marks),
    )  # fmt: skip
    for kill in kills:
        proc = start_service("process", {**env, "EVENTTIDE_FAULT_KILL_AT": kill}, topic, group, log)
        assert proc.wait(120) == -9, log.read_text()[-3000:]
    landed = marks.read_text().split()
    assert len(landed) == KILLS
    assert landed == [k.split(":")[0] for k in kills]
    final = start_service("process", env, topic, group, log, idle_exit=4)
    assert final.wait(300) == 0, log.read_text()[-3000:]
    summary = summary_lines(log)[-1]
    assert any(rows > 0 for rows in summary["processor"]["restored"].values())
    assert summary["loop"]["consumed"] < len(events)  # it went on from the checkpoints
    assert table_differences(fresh_database_url, events, expected) == []


def test_two_replicas_one_killed_the_survivor_resumes_from_its_checkpoints(
    kafka_bootstrap: str,
    fresh_database_url: str,
    tmp_path: Path,
    long_stream: tuple[str, list[Event], OracleResult],
) -> None:
    """Two members of one group share the partitions; one dies (SIGKILL after its third
    commit, before that batch's records are sent), the survivor takes its partitions over
    from their checkpoint rows and sends the dead member's leftover outbox rows first."""
    topic, events, expected = long_stream
    group, log = f"g-{uuid.uuid4().hex[:8]}", tmp_path / "processor.log"
    outputs = _output_topics(kafka_bootstrap)
    env = processor_env(
        kafka_bootstrap, fresh_database_url, **outputs,
        EVENTTIDE_PROCESSOR_BATCH_MAX_EVENTS="2000",
    )  # fmt: skip
    survivor = start_service("process", env, topic, group, tmp_path / "survivor.log", idle_exit=10)
    time.sleep(2)  # in the group first, so the second member's arrival splits the partitions
    doomed_env = {**env, "EVENTTIDE_FAULT_KILL_AT": "db-committed:3"}
    doomed = start_service("process", doomed_env, topic, group, log)
    assert doomed.wait(120) == -9, log.read_text()[-3000:]
    assert survivor.wait(300) == 0, (tmp_path / "survivor.log").read_text()[-3000:]
    held = [change for change in rebalances(log.read_text()) if change.assigned][-1].partitions
    summary = summary_lines(tmp_path / "survivor.log")[-1]
    restored = summary["processor"]["restored"]
    assert held
    assert all(restored[str(p)] > 0 for p in held), (held, restored)
    assert table_differences(fresh_database_url, events, expected) == []
    windows = outputs["EVENTTIDE_PROCESSOR_WINDOWS_TOPIC"]
    _windows_topic_matches_the_table(kafka_bootstrap, windows, fresh_database_url)
    assert summary["outbox"]["resent_rows"] >= 1


def test_records_that_are_no_event_are_counted_where_the_stream_stood(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    """Three records that are no event between two halves of a stream: counted in the
    ``dead_letter`` windows of the newest event time read before them, final, and in the
    run's summary; the events' windows are those of the events alone."""
    from dbtables import sentinel_event  # on sys.path once processor_helpers is imported

    topic = create_topic(kafka_bootstrap, "test.unreadable", 1)
    events = sorted(simulated_events(400, users=50, seed=23), key=lambda e: e.occurred_at)
    values = [encode(e).value for e in events]
    half = len(values) // 2
    bad = [b'{"event_type": "page_vi', b"[]", b'{"event_type": "page_view"}']
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    last = max(from_mapping(orjson.loads(v)).ts for v in values)
    for value in [*values[:half], *bad, *values[half:]]:
        producer.produce(topic, value, partition=0)
    producer.produce(topic, orjson.dumps(sentinel_event(0, last)), b"sentinel", partition=0)
    assert producer.flush(30) == 0
    log = tmp_path / "processor.log"
    env = processor_env(kafka_bootstrap, fresh_database_url)
    proc = start_service("process", env, topic, f"g-{uuid.uuid4().hex[:8]}", log, idle_exit=4)
    assert proc.wait(180) == 0, log.read_text()[-3000:]
    stood = max(from_mapping(orjson.loads(v)).ts for v in values[:half])
    engine = make_engine(fresh_database_url)
    t = WindowAggregate
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.window, t.window_start, t.count, t.unique_users, t.final).where(
                t.dimension == "dead_letter"
            )
        ).all()
        events_counted = conn.scalar(
            select(func.sum(t.count)).where(
                t.window == "tumbling_1m", t.dimension == "all", t.value == "*"
            )
        )
    engine.dispose()
    minute = [(start, count, users, final) for w, start, count, users, final in rows
              if w == "tumbling_1m"]  # fmt: skip
    assert minute == [(stood - stood % 60_000_000, 3, 0, True)]
    day = [count for w, _, count, _, _ in rows if w == "tumbling_1d"]
    assert day == [3]
    assert events_counted == len(values)  # the sentinel's own window stays open
    assert summary_lines(log)[-1]["processor"]["undecodable"] == 3
