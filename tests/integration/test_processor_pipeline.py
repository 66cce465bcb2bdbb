"""``eventtide process`` as a real process against real Kafka and PostgreSQL: the tables
equal the independent oracle, also after kill -9 at named phases of the batch loop."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from processor_helpers import (
    processor_env,
    produce_stream,
    start_processor,
    summary_lines,
    table_differences,
)
from storage_helpers import create_topic, end_offsets, reap_consumers

pytestmark = pytest.mark.integration

PARTITIONS = 3


@pytest.fixture(autouse=True)
def _reap() -> object:
    yield
    reap_consumers()


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
    proc = start_processor(env, topic, f"g-{uuid.uuid4().hex[:8]}", log, idle_exit=4)
    assert proc.wait(180) == 0, log.read_text()[-3000:]
    assert table_differences(fresh_database_url, events) == []
    summary = summary_lines(log)[-1]
    assert summary["loop"]["consumed"] == len(events) + PARTITIONS
    assert summary["processor"]["late"] == 0
    windows = outputs["EVENTTIDE_PROCESSOR_WINDOWS_TOPIC"]
    features = outputs["EVENTTIDE_PROCESSOR_FEATURES_TOPIC"]
    assert end_offsets(kafka_bootstrap, windows, 1)[0] > 0
    assert end_offsets(kafka_bootstrap, features, 1)[0] > 0


KILLS = ("writing:3", "db-committed:4", "prepared:2", "assigned:1", "polled:5", "writing:6")


def test_kill9_at_loop_phases_leaves_tables_equal_to_the_oracle(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, "test.process.kill", PARTITIONS)
    events = produce_stream(kafka_bootstrap, topic, 3_000, PARTITIONS)
    marks, log = tmp_path / "marks", tmp_path / "processor.log"
    group = f"g-{uuid.uuid4().hex[:8]}"
    env = processor_env(
        kafka_bootstrap, fresh_database_url,
        EVENTTIDE_PROCESSOR_TOPICS_ENABLED="false",
        EVENTTIDE_PROCESSOR_BATCH_MAX_EVENTS="200",
        EVENTTIDE_FAULT_MARK_FILE=str(marks),
    )  # fmt: skip
    for kill in KILLS:
        proc = start_processor({**env, "EVENTTIDE_FAULT_KILL_AT": kill}, topic, group, log)
        assert proc.wait(120) == -9, log.read_text()[-3000:]
    landed = marks.read_text().split()
    assert [k.split(":")[0] for k in KILLS] == landed
    final = start_processor(env, topic, group, log, idle_exit=4)
    assert final.wait(180) == 0, log.read_text()[-3000:]
    assert table_differences(fresh_database_url, events) == []
