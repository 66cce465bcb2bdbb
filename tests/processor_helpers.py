"""Helpers for the processor's integration tests: a finite generated stream, one sentinel
per partition to close it (services/processor/tests/dbtables.py says why), the
``eventtide process`` environment, and the tables compared with the independent oracle."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Producer
from storage_helpers import produce, simulated_events

from eventtide.core.db import make_engine
from eventtide.core.kafka.codec import encode
from eventtide.processor.config import ProcessorConfig
from eventtide.processor.model import Event, from_mapping

sys.path.insert(0, str(Path(__file__).parents[1] / "services" / "processor" / "tests"))

from dbtables import read_tables, sentinel_event
from oracle import OracleResult, oracle
from streaming import differences


def produce_stream(
    bootstrap: str, topic: str, count: int, partitions: int, users: int = 300
) -> list[Event]:
    """``count`` generated events in event-time order, then a sentinel per partition."""
    events = sorted(simulated_events(count, users=users, seed=17), key=lambda e: e.occurred_at)
    produced = produce(bootstrap, topic, events)
    assert (produced.failed, produced.unconfirmed) == (0, 0)
    reduced = [from_mapping(orjson.loads(encode(e).value)) for e in events]
    last = max(e.ts for e in reduced)
    producer = Producer({"bootstrap.servers": bootstrap})
    for p in range(partitions):
        producer.produce(topic, orjson.dumps(sentinel_event(p, last)), b"sentinel", partition=p)
    assert producer.flush(30) == 0
    return reduced


def processor_env(bootstrap: str, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of an ``eventtide process`` subprocess."""
    import os

    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "DATABASE_URL": database_url,
        "EVENTTIDE_PROCESSOR_SESSION_TIMEOUT_MS": "6000",
        "EVENTTIDE_PROCESSOR_RETRY_MAX_S": "1.0",
        "EVENTTIDE_PROCESSOR_BATCH_MAX_EVENTS": "500",
        **extra,
    }


def table_differences(
    database_url: str, events: list[Event], expected: OracleResult | None = None
) -> list[str]:
    """The tables against the oracle over ``events`` (empty when equal), plus open rows.

    ``expected`` is the oracle's result when the caller computed it already.
    """
    if expected is None:
        expected = oracle(events, ProcessorConfig())
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            found, problems = read_tables(conn, max(e.ts for e in events))
    finally:
        engine.dispose()
    assert expected.windows
    assert expected.sessions
    return problems[:5] + differences(found, expected)


def summary_lines(log: Path) -> list[dict[str, Any]]:
    """The JSON summaries the runs printed."""
    return [orjson.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
