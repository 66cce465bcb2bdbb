"""Two consumers in one group, one killed with SIGKILL: the survivor takes its partitions
and nothing is lost or doubled."""

from __future__ import annotations

import signal
import time
import uuid
from pathlib import Path

import pytest
from storage_helpers import (
    checksum,
    consumer_env,
    create_topic,
    produce_in_background,
    simulated_events,
    start_consumer,
    stats_problems,
    stored_ids,
    wait_until_stored,
)

from eventtide.core.transactional.rebalances import owned_partitions

pytestmark = pytest.mark.integration

EVENTS = 60_000


def _assigned(log: Path) -> set[int]:
    """The member's current partitions, replaying its assigned/revoked log lines."""
    return owned_partitions(log.read_text(errors="replace"))


def test_survivor_takes_over_the_partitions_of_a_killed_member(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, "test.failover")
    group = f"failover-{uuid.uuid4().hex[:6]}"
    env = consumer_env(kafka_bootstrap, fresh_database_url)
    producer, produced = produce_in_background(
        kafka_bootstrap, topic, simulated_events(EVENTS), rate=4_000
    )
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    victim, survivor = (start_consumer(env, topic, group, log) for log in logs)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not (
        _assigned(logs[0]) and _assigned(logs[1]) and not _assigned(logs[0]) & _assigned(logs[1])
    ):
        time.sleep(0.2)
    before = (_assigned(logs[0]), _assigned(logs[1]))
    assert before[0], "the first member never got partitions"
    assert before[1], "the second member never got partitions"
    assert not before[0] & before[1]
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    producer.join()
    assert (produced.failed, produced.unconfirmed) == (0, 0)
    assert wait_until_stored(fresh_database_url, EVENTS, 120) == EVENTS
    # On a loaded machine the victim may have stored all of its events before it was
    # killed; the survivor then gets its partitions only when the session times out.
    takeover_deadline = time.monotonic() + 90
    while time.monotonic() < takeover_deadline and _assigned(logs[1]) != set(range(6)):
        time.sleep(0.5)
    assert _assigned(logs[1]) == set(range(6)), "the survivor did not take every partition"
    survivor.send_signal(signal.SIGTERM)
    assert survivor.wait(30) == 0
    ids = stored_ids(fresh_database_url)
    assert len(ids) == EVENTS
    assert checksum(ids) == checksum(produced.ids)
    assert stats_problems(fresh_database_url) == []
