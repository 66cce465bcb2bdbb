"""kill -9 the consumer at random moments while 200,000 events flow: exactly once after all.

Each kill lands wherever the process happens to be: reading, decoding, inside the COPY,
between the database commit and the Kafka offset commit, or while joining the group.
Afterwards every confirmed event is stored exactly once (count and a checksum over the
ids) and user_stats equals a recomputation from user_events.
"""

from __future__ import annotations

import json
import random
import signal
import time
import uuid
from pathlib import Path

import pytest
from storage_helpers import (
    checksum,
    consumer_env,
    count_stored,
    create_topic,
    produce_in_background,
    simulated_events,
    start_consumer,
    stats_problems,
    stored_ids,
    wait_until_stored,
)

pytestmark = pytest.mark.integration

EVENTS = 200_000
RATE = 1_500.0
"""Slow enough that the stream outlasts twenty kill-and-restart cycles (~7 s each here)."""
MIN_KILLS = 20


def test_kill9_at_random_moments_loses_and_doubles_nothing(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, "test.kill9")
    group = f"kill9-{uuid.uuid4().hex[:8]}"
    env = consumer_env(
        kafka_bootstrap, fresh_database_url, EVENTTIDE_CONSUMER_INSTANCE_ID=f"{group}-0"
    )
    log = tmp_path / "consumer.log"
    rng = random.Random(20260101)  # noqa: S311
    producer, produced = produce_in_background(
        kafka_bootstrap, topic, simulated_events(EVENTS, users=5_000), RATE
    )
    kills: list[dict[str, float]] = []
    started = time.monotonic()
    while _mid_stream(kills) < MIN_KILLS or producer.is_alive():
        proc = start_consumer(env, topic, group, log)
        launched = time.monotonic()
        if rng.random() < 0.25:  # anywhere: starting up, joining, seeking, storing
            time.sleep(rng.uniform(0.2, 4.0))
        else:  # once it is storing, at a random moment of the stream
            baseline = count_stored(fresh_database_url)
            while count_stored(fresh_database_url) == baseline and time.monotonic() - launched < 15:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 1.5))
        alive_for = time.monotonic() - launched
        before = count_stored(fresh_database_url)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        kills.append({"after_s": round(alive_for, 2), "stored_at_kill": before})
        assert time.monotonic() - started < 420, "the kill loop ran too long"
    producer.join()
    assert (produced.failed, produced.unconfirmed) == (0, 0)
    assert len(produced.ids) == EVENTS

    final = start_consumer(env, topic, group, log, idle_exit=6)
    assert final.wait(240) == 0, log.read_text()[-3000:]
    assert wait_until_stored(fresh_database_url, EVENTS, 5) == EVENTS
    ids = stored_ids(fresh_database_url)
    assert len(ids) == EVENTS
    assert len(set(ids)) == EVENTS
    assert checksum(ids) == checksum(produced.ids)
    assert stats_problems(fresh_database_url) == []

    positions = {kill["stored_at_kill"] for kill in kills}
    mid_stream = _mid_stream(kills)
    summary = {
        "kills": len(kills),
        "distinct_crash_points": len(positions),
        "kills_mid_stream": mid_stream,
        "seconds": round(time.monotonic() - started, 1),
    }
    print("kill9 summary:", json.dumps(summary))
    (tmp_path / "kill9.json").write_text(json.dumps({**summary, "kills_detail": kills}))
    assert mid_stream >= MIN_KILLS, f"too few kills landed mid-stream: {summary}"


def _mid_stream(kills: list[dict[str, float]]) -> int:
    """Kills that hit a consumer with part, but not all, of the stream stored."""
    return sum(1 for kill in kills if 0 < kill["stored_at_kill"] < EVENTS)
