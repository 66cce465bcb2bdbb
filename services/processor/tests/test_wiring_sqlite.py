"""The wiring's steps over SQLite: outputs, changed checkpoint rows and offsets per batch,
restored after simulated crashes, equal the independent oracle.

No Kafka here (tests/integration/test_processor_pipeline.py runs the real process): the
messages are plain objects, delivered from the stored offsets after each "crash", which
is what the batch loop does on assignment.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from dbtables import read_tables, sentinel_event
from oracle import oracle
from streaming import differences

from eventtide.core.db import load_offsets, make_engine
from eventtide.core.db.migrate import upgrade
from eventtide.processor.config import ProcessorConfig
from eventtide.processor.model import from_mapping
from eventtide.processor.steps import PartitionJobs, ProcessorReport
from eventtide.producer.generator import GeneratorConfig, Simulation

pytestmark = pytest.mark.unit

TOPIC, GROUP, PARTITIONS = "events.v1", "eventtide-processor", 3


@dataclass
class Message:
    """What the loop hands ``prepare``: a confluent-kafka message's accessors."""

    _partition: int
    _offset: int
    _value: bytes

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset

    def value(self) -> bytes:
        return self._value

    def topic(self) -> str:
        return TOPIC

    def error(self) -> None:
        return None


def _log(config: ProcessorConfig) -> tuple[list[Message], list[dict[str, object]]]:
    sim = Simulation(
        GeneratorConfig(
            users=80, seed=5, start=datetime(2025, 6, 1, tzinfo=UTC), days=1.0,
            bot_bursts_per_day=3, fraud_bursts_per_day=3,
        )
    )  # fmt: skip
    raw = list(sim.events())
    rnd = random.Random(7)  # noqa: S311 - test data
    lateness = config.allowed_lateness
    keyed = sorted(
        ((from_mapping(d).ts + rnd.randrange(lateness), str(d["event_id"]), d) for d in raw),
        key=lambda k: (k[0], k[1]),
    )
    logs: dict[int, list[bytes]] = {p: [] for p in range(PARTITIONS)}
    for _, _, d in keyed:
        logs[zlib.crc32(str(d["user_id"]).encode()) % PARTITIONS].append(orjson.dumps(d))
    last = max(from_mapping(d).ts for d in raw)
    for p in range(PARTITIONS):
        logs[p].append(orjson.dumps(sentinel_event(p, last)))
    messages = [Message(p, o, v) for p, log in logs.items() for o, v in enumerate(log)]
    messages.sort(key=lambda m: m.offset())
    return messages, raw


def test_batches_with_crashes_equal_the_oracle(tmp_path: Path) -> None:
    config = ProcessorConfig()
    messages, raw = _log(config)
    url = f"sqlite:///{tmp_path / 'p.db'}"
    upgrade(url)
    engine = make_engine(url)
    crash_after = {5, 12, 20}  # batches whose prepared state is lost before the commit
    batch, done, crashes = 0, 0, 0
    while True:
        jobs = PartitionJobs(
            engine=engine, group_id=GROUP, topic=TOPIC, config=config, report=ProcessorReport()
        )
        jobs.assigned(list(range(PARTITIONS)))
        with engine.connect() as conn:
            start = load_offsets(conn, GROUP, TOPIC)
        todo = [m for m in messages if m.offset() >= start.get(m.partition(), 0)]
        if not todo:
            break
        for at in range(0, len(todo), 61):
            prepared = jobs.prepare(todo[at : at + 61])
            batch += 1
            if batch in crash_after:
                crashes += 1
                break  # the process died: this batch never reached the database
            with engine.begin() as conn:
                jobs.write(conn, prepared)
            done += 1
    assert crashes == len(crash_after), (len(messages), batch)
    events = [from_mapping(d) for d in raw]
    expected = oracle(events, config)
    with engine.connect() as conn:
        found, problems = read_tables(conn, max(e.ts for e in events))
    engine.dispose()
    assert problems == []
    assert differences(found, expected) == []
    assert expected.alerts
    assert expected.attributions
    assert expected.features


def test_custom_event_types_reach_windows_and_the_failure_rule(tmp_path: Path) -> None:
    """Schema v2's open vocabulary: a client's own event name is a window dimension value,
    and named in ``EVENTTIDE_PROCESSOR_FAILURE_EVENT_TYPES`` it feeds the failure rule."""
    from sqlalchemy import text

    from eventtide.processor.settings import ProcessorSettings

    config = ProcessorSettings(failure_event_types=("card_declined",)).config()
    _, raw = _log(config)
    template = next(d for d in raw if d["event_type"] == "page_view")
    start = from_mapping(template).ts
    custom = []
    for n in range(6):  # six declines within a minute: over the rule's five in ten minutes
        d = {**template, "event_id": f"00000000-0000-4000-9000-{n:012d}"}
        d.update(event_type="card_declined", user_id="u-custom", properties={}, schema_version=2)
        d["occurred_at"] = datetime.fromtimestamp((start + n * 5_000_000) / 1e6, UTC).isoformat()
        custom.append(d)
    last = max(from_mapping(d).ts for d in custom)
    values = [orjson.dumps(d) for d in custom] + [orjson.dumps(sentinel_event(0, last))]
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(url)
    engine = make_engine(url)
    jobs = PartitionJobs(
        engine=engine, group_id=GROUP, topic=TOPIC, config=config, report=ProcessorReport()
    )
    prepared = jobs.prepare([Message(0, o, v) for o, v in enumerate(values)])
    assert prepared.undecodable == 0
    with engine.begin() as conn:
        jobs.write(conn, prepared)
    with engine.connect() as conn:
        counts = conn.execute(
            text(
                'SELECT "count" FROM window_aggregates WHERE "window" = :w '
                "AND dimension = 'event_type' AND value = 'card_declined'"
            ),
            {"w": "tumbling_1h"},
        ).all()
        rules = conn.execute(text("SELECT rule FROM alerts WHERE user_id = 'u-custom'")).all()
    engine.dispose()
    assert sum(c for (c,) in counts) == 6
    assert ("repeated_failures",) in rules
