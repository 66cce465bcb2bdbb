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
from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_NOT_AVAILABLE
from dbtables import read_tables, sentinel_event
from oracle import oracle
from streaming import differences

from eventtide.core.db import load_offsets, make_engine
from eventtide.core.db.migrate import upgrade
from eventtide.processor.config import ProcessorConfig
from eventtide.processor.model import from_mapping
from eventtide.processor.steps import PartitionJobs, ProcessorReport
from eventtide.processor.store import write_batch
from eventtide.producer.generator import GeneratorConfig, Simulation

pytestmark = pytest.mark.unit

TOPIC, GROUP, PARTITIONS = "events.v1", "eventtide-processor", 3


@dataclass
class Message:
    """What the loop hands ``prepare``: a confluent-kafka message's accessors."""

    _partition: int
    _offset: int
    _value: bytes
    _time_ms: int = -1

    def timestamp(self) -> tuple[int, int]:
        return (TIMESTAMP_NOT_AVAILABLE if self._time_ms < 0 else TIMESTAMP_CREATE_TIME,
                self._time_ms)  # fmt: skip

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


def test_records_that_are_no_event_are_counted_in_the_dead_letter_windows(tmp_path: Path) -> None:
    """Broken JSON and an event missing its user reach ``window_aggregates`` as
    ``dead_letter`` counts: the window of the newest event before them, or of their Kafka
    time before any event; their events' windows are as without them."""
    from sqlalchemy import text

    config = ProcessorConfig()
    _, raw = _log(config)
    page = next(d for d in raw if d["event_type"] == "page_view")
    minute = 60_000_000

    def at(n: int, minutes: float) -> bytes:
        d = {**page, "event_id": f"00000000-0000-4000-9000-{n:012d}", "user_id": "u-dl"}
        when = datetime(2025, 6, 1, 12, tzinfo=UTC).timestamp() + minutes * 60
        d["occurred_at"] = datetime.fromtimestamp(when, UTC).isoformat()
        return orjson.dumps(d)

    noon = int(datetime(2025, 6, 1, 12, tzinfo=UTC).timestamp()) * 1_000_000
    no_user = orjson.loads(at(99, 0))
    del no_user["user_id"]
    values = [
        (b'{"event_type": "page_vi', noon // 1_000 - 120_000),  # before any event: Kafka time
        (at(1, 0.5), -1),
        (orjson.dumps(no_user), -1),
        (b"\xff", -1),
        (at(2, 3.2), -1),
        (b"[]", -1),
    ]
    url = f"sqlite:///{tmp_path / 'd.db'}"
    upgrade(url)
    engine = make_engine(url)
    jobs = PartitionJobs(
        engine=engine, group_id=GROUP, topic=TOPIC, config=config, report=ProcessorReport()
    )
    messages = [Message(0, o, v, t) for o, (v, t) in enumerate(values)]
    prepared = jobs.prepare(messages)
    assert prepared.undecodable == 4
    with engine.begin() as conn:
        jobs.write(conn, prepared)
    flushed = jobs.jobs[0].flush()
    with engine.begin() as conn:
        write_batch(conn, group_id=GROUP, topic=TOPIC, outputs=[(0, flushed)], changes=[],
                    offsets=[])  # fmt: skip
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                'SELECT window_start, dimension, "count", unique_users FROM window_aggregates'
                " WHERE \"window\" = 'tumbling_1m' AND value = '*' ORDER BY window_start"
            )
        ).all()
    engine.dispose()
    by_minute = {(dim, (start - noon) // minute): count for start, dim, count, _ in rows}
    dead = {m: count for (dim, m), count in by_minute.items() if dim == "dead_letter"}
    events = {m: count for (dim, m), count in by_minute.items() if dim == "all"}
    assert dead == {-2: 1, 0: 2, 3: 1}
    assert events == {0: 1, 3: 1}
    assert all(users == 0 for _, dim, _, users in rows if dim == "dead_letter")
