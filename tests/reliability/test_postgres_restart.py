"""PostgreSQL crashes and comes back in the middle of the stream: no loss, no duplicate.

The consumer keeps retrying the same batch with backoff while the database is away
(never dead-lettering it), then carries on from where the database says it was.
"""

from __future__ import annotations

import json
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
    dead_letters,
    produce_in_background,
    simulated_events,
    start_consumer,
    stats_problems,
    stored_ids,
    wait_until_stored,
)

from eventtide.devstack.pytest_plugin import LocalServer

pytestmark = pytest.mark.integration

EVENTS = 50_000


def test_postgres_restart_mid_stream_loses_and_doubles_nothing(
    kafka_bootstrap: str, postgres_server: LocalServer, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, "test.pgrestart")
    producer, produced = produce_in_background(
        kafka_bootstrap, topic, simulated_events(EVENTS), rate=5_000
    )
    log = tmp_path / "c.log"
    env = consumer_env(kafka_bootstrap, fresh_database_url)
    proc = start_consumer(env, topic, f"pg-{uuid.uuid4().hex[:6]}", log)
    deadline = time.monotonic() + 60
    while count_stored(fresh_database_url) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, log.read_text()[-3000:]
    postgres_server.restart(hard=True, down_seconds=4)
    producer.join()
    assert (produced.failed, produced.unconfirmed) == (0, 0)
    assert wait_until_stored(fresh_database_url, EVENTS, 120) == EVENTS
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0, log.read_text()[-3000:]
    summary = json.loads(log.read_text().splitlines()[-1])
    assert summary["retries"] > 0, "the outage was never noticed"
    ids = stored_ids(fresh_database_url)
    assert len(ids) == EVENTS
    assert checksum(ids) == checksum(produced.ids)
    assert dead_letters(fresh_database_url) == [], "a transient failure was dead-lettered"
    assert stats_problems(fresh_database_url) == []
