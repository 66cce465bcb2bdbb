"""1,000 fuzzed bad messages in a valid stream: every bad one dead-lettered with a reason,
every valid one stored once, and the consumer never stops."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from pathlib import Path

import orjson
import pytest
from fuzz_payloads import fuzzed
from storage_helpers import (
    checksum,
    consumer_env,
    create_topic,
    dead_letters,
    produce,
    simulated_events,
    start_consumer,
    stats_problems,
    stored_ids,
)

pytestmark = pytest.mark.integration

VALID = 20_000
BAD = 1_000


def test_fuzzed_messages_are_dead_lettered_and_valid_ones_stored(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    valid = list(simulated_events(VALID))
    template = orjson.loads(valid[0].model_dump_json())
    bad = fuzzed(BAD, lambda: orjson.loads(orjson.dumps(template)))
    assert Counter(name for name, _ in bad) == {name: BAD // 5 for name, _ in bad}
    rng = random.Random(5)  # noqa: S311
    extra = [(rng.randrange(VALID), raw) for _, raw in bad]

    topic = create_topic(kafka_bootstrap, "test.fuzz")
    dlq_topic = create_topic(kafka_bootstrap, "test.fuzz.dlq", partitions=1)
    produced = produce(kafka_bootstrap, topic, valid, extra=extra)
    assert (produced.failed, produced.unconfirmed) == (0, 0)

    env = consumer_env(kafka_bootstrap, fresh_database_url, EVENTTIDE_DLQ_TOPIC=dlq_topic)
    log = tmp_path / "c.log"
    proc = start_consumer(env, topic, f"fuzz-{uuid.uuid4().hex[:6]}", log, idle_exit=5)
    assert proc.wait(240) == 0, log.read_text()[-3000:]

    ids = stored_ids(fresh_database_url)
    assert len(ids) == VALID
    assert checksum(ids) == checksum(produced.ids)
    letters = dead_letters(fresh_database_url)
    assert len(letters) == BAD
    assert Counter(letter.payload for letter in letters) == Counter(raw for _, raw in bad)
    for letter in letters:
        assert letter.kind, letter
        assert letter.rule, letter
        assert letter.message, letter
    kinds = Counter(letter.kind for letter in letters)
    assert {"malformed_json", "schema_violation", "unstorable"} <= set(kinds), kinds
    assert stats_problems(fresh_database_url) == []
