"""Shared helpers for the storage tests: topics, producing with confirmed ids, consumer
subprocesses and what the database holds."""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from service_processes import start_service
from sqlalchemy import func, select

from eventtide.core.db import DeadLetter, make_engine, stats_differences
from eventtide.core.db.tables import DEAD, EVENTS
from eventtide.core.events import Rejection, validate_event
from eventtide.core.kafka import EventProducer, ProducerTuning, WireMessage, producer_config
from eventtide.producer.generator import GeneratorConfig, Simulation


def create_topic(bootstrap: str, prefix: str, partitions: int = 6) -> str:
    """A new topic with a unique name (the broker is shared by the whole session)."""
    name = f"{prefix}.{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(30)
    return name


def simulated_events(count: int, users: int = 2_000, seed: int = 3) -> Iterable[Any]:
    """``count`` valid events from the simulation (a day of history, so no clock issues)."""
    days = max(1.5, count / (users * 8))  # about 11 events per user and day
    start = datetime.now(UTC) - timedelta(days=days + 0.5)
    simulation = Simulation(GeneratorConfig(users=users, seed=seed, start=start, days=days))
    made = 0
    for raw in simulation.events():
        event = validate_event(raw)
        if isinstance(event, Rejection):
            continue
        yield event
        made += 1
        if made >= count:
            return


@dataclass
class Produced:
    """Event ids the broker confirmed, and failures (which must be zero)."""

    ids: list[uuid.UUID] = field(default_factory=list)
    failed: int = 0
    unconfirmed: int = 0


def produce(
    bootstrap: str,
    topic: str,
    events: Iterable[Any],
    *,
    rate: float | None = None,
    extra: list[tuple[int, bytes]] | None = None,
) -> Produced:
    """Send events (and ``extra`` raw payloads before event number ``i``), optionally paced."""
    import time

    producer = EventProducer(producer_config(bootstrap, ProducerTuning(linger_ms=5)), topic)
    produced = Produced()
    raw_at: dict[int, list[bytes]] = {}
    for index, raw in extra or []:
        raw_at.setdefault(index, []).append(raw)
    started = time.monotonic()
    for number, event in enumerate(events):
        for raw in raw_at.pop(number, []):
            producer.send_message(WireMessage("fuzz", str(number).encode(), raw, []))
        producer.send(event)
        produced.ids.append(event.event_id)
        if rate and number % 100 == 0:
            ahead = number / rate - (time.monotonic() - started)
            if ahead > 0:
                producer.poll(0)
                time.sleep(ahead)
    for number, raws in raw_at.items():
        for raw in raws:
            producer.send_message(WireMessage("fuzz", str(number).encode(), raw, []))
    produced.unconfirmed = producer.flush(120)
    produced.failed = producer.stats.failed
    return produced


def produce_in_background(
    bootstrap: str, topic: str, events: Iterable[Any], rate: float
) -> tuple[threading.Thread, Produced]:
    """:func:`produce` in a thread; join it, then read the result."""
    result = Produced()

    def work() -> None:
        done = produce(bootstrap, topic, events, rate=rate)
        result.ids, result.failed, result.unconfirmed = done.ids, done.failed, done.unconfirmed

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, result


def consumer_env(bootstrap: str, database_url: str, **extra: str) -> dict[str, str]:
    """The environment for an ``eventtide consume`` subprocess."""
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "DATABASE_URL": database_url,
        "EVENTTIDE_CONSUMER_SESSION_TIMEOUT_MS": "6000",
        "EVENTTIDE_CONSUMER_RETRY_MAX_S": "1.0",
        **extra,
    }


def start_consumer(
    env: dict[str, str], topic: str, group: str, log: Path, idle_exit: float = 0.0
) -> subprocess.Popen[bytes]:
    """``eventtide consume`` as a real process, its output appended to ``log``."""
    return start_service("consume", env, topic, group, log, idle_exit)


def stored_ids(database_url: str) -> list[uuid.UUID]:
    """Every stored event id (duplicates would show up twice)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(EVENTS.c.event_id)).scalars())
    finally:
        engine.dispose()


_ENGINES: dict[str, Any] = {}


def _engine(database_url: str) -> Any:
    """One engine per URL, since tests poll the stored events often."""
    engine = _ENGINES.get(database_url)
    if engine is None:
        engine = _ENGINES[database_url] = make_engine(database_url)
    return engine


def count_stored(database_url: str) -> int:
    """How many events are stored."""
    with _engine(database_url).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(EVENTS)).scalar_one())


def stored_events(database_url: str) -> list[Any]:
    """Every stored event row, in event time: what a test's calls became."""
    query = select(EVENTS).order_by(EVENTS.c.occurred_at, EVENTS.c.event_id)
    with _engine(database_url).connect() as conn:
        return list(conn.execute(query).all())


def wait_stored_kinds(database_url: str, wanted: dict[str, int], timeout: float = 60) -> list[Any]:
    """The stored rows once each wanted event type is there ``n`` times, and a second
    later (a duplicate would arrive with its original)."""
    deadline = time.monotonic() + timeout
    while True:
        kinds = [r.event_type for r in stored_events(database_url)]
        if all(kinds.count(kind) >= n for kind, n in wanted.items()):
            time.sleep(1.0)
            return stored_events(database_url)
        assert time.monotonic() < deadline, f"stored {sorted(kinds)}, wanted {wanted}"
        time.sleep(0.3)


def properties_of(row: Any) -> dict[str, Any]:
    """A stored row's properties as a dict (a JSON column may come back as text)."""
    value = row.properties
    return value if isinstance(value, dict) else orjson.loads(value)


def dead_letters(database_url: str) -> list[DeadLetter]:
    """Every dead letter."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return [DeadLetter(**row._mapping) for row in conn.execute(select(DEAD))]
    finally:
        engine.dispose()


def checksum(ids: Iterable[uuid.UUID]) -> str:
    """Order-independent digest of a multiset of ids."""
    return hashlib.sha256(b"".join(sorted(i.bytes for i in ids))).hexdigest()


def stats_problems(database_url: str) -> list[str]:
    """Differences between user_stats and a recomputation (empty when exact)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return stats_differences(conn)
    finally:
        engine.dispose()


def wait_until_stored(database_url: str, expected: int, timeout_s: float) -> int:
    """Poll the event count until it reaches ``expected`` or time runs out."""
    import time

    deadline = time.monotonic() + timeout_s
    count = count_stored(database_url)
    while count < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        count = count_stored(database_url)
    return count


def committed_offsets(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int]:
    """The group's offsets committed to Kafka (what lag tools read)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        found = consumer.committed(
            [TopicPartition(topic, p) for p in range(partitions)], timeout=30
        )
    finally:
        consumer.close()
    return {tp.partition: tp.offset for tp in found}


def end_offsets(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    """Log-end offset of each partition."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"probe-{uuid.uuid4().hex[:6]}"}
    )
    try:
        return {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1]
            for p in range(partitions)
        }
    finally:
        consumer.close()


def topic_values(
    bootstrap: str, topic: str, partitions: int, timeout_s: float = 30.0
) -> list[bytes]:
    """Every value in ``topic`` up to its current end, partition by partition."""
    ends = end_offsets(bootstrap, topic, partitions)
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"probe-{uuid.uuid4().hex[:6]}",
         "enable.auto.commit": False}
    )  # fmt: skip
    values: list[bytes] = []
    try:
        consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions) if ends[p]])
        positions = dict.fromkeys(ends, 0)
        deadline = time.monotonic() + timeout_s
        while any(positions[p] < ends[p] for p in ends):
            assert time.monotonic() < deadline, f"{topic}: read {positions} of {ends}"
            for message in consumer.consume(1_000, 0.5):
                if message.error() is None:
                    values.append(message.value())
                    positions[message.partition()] = message.offset() + 1
    finally:
        consumer.close()
    return values
