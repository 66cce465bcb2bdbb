"""The core batch loop with the consumer's steps, on SQLite, against a scripted consumer.

The scripted consumer stands in for Kafka only (it hands out messages, records seeks
and commits); the database, the loop, its writer thread and the consumer's steps are
the real ones. It shows the loop's protocol: seek to the database's offsets on
assignment, rows and offsets in one transaction, the Kafka commit after it, and every
named phase announced.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from samples import message, payload
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import OperationalError

from eventtide.consumer.report import ConsumerReport
from eventtide.consumer.steps import EventStorage
from eventtide.core.db import UserEvent, load_offsets, make_engine, stats_differences
from eventtide.core.db.migrate import upgrade
from eventtide.core.kafka.consumer import FROM_START
from eventtide.core.kafka.records import Consumed
from eventtide.core.signals import StopFlag
from eventtide.core.telemetry.setup import component_name
from eventtide.core.transactional.loop import BatchLoop
from eventtide.core.transactional.phases import Phase
from eventtide.core.transactional.steps import LoopBounds

pytestmark = pytest.mark.unit


class Delivered(Consumed):
    """A consumed message as the client hands it out (no error)."""

    __slots__ = ()

    def error(self) -> None:
        return None


class ScriptedConsumer:
    """Hands out ``messages`` a few at a time after assigning partition 0, then nothing."""

    def __init__(
        self, messages: list[Consumed], group_id: str = "g", revoke: list[int] | None = None
    ) -> None:
        self.group_id = group_id
        self.partitions = sorted({m.partition() for m in messages} or {0})
        self.revoke = revoke or []
        """Partitions taken away once every message was handed out (a rebalance)."""
        self.pending = [Delivered(m.topic(), m.partition(), m.offset(), m.key(), m.value())
                        for m in messages]  # fmt: skip
        self.seeks: list[tuple[str, int, int]] = []
        self.commits: list[tuple[str, int, int]] = []
        self.closed = False
        self._on_assign: Callable[[list[tuple[str, int]]], None] | None = None
        self._on_revoke: Callable[[list[tuple[str, int]]], None] | None = None

    def connect(self, timeout_s: float) -> None:
        """Reachable at once, like a healthy broker."""

    def subscribe(self, topics: list[str], *, on_assign: Any, on_revoke: Any) -> None:
        self._on_assign, self._on_revoke = on_assign, on_revoke

    def assign_at(self, positions: list[tuple[str, int, int]]) -> None:
        self.seeks.extend(positions)
        start = positions[0][2]
        self.pending = [m for m in self.pending if start == FROM_START or m.offset() >= start]

    def consume(self, count: int, _timeout: float) -> list[Any]:
        if self._on_assign is not None:
            on_assign, self._on_assign = self._on_assign, None
            on_assign([("t", p) for p in self.partitions])
        taken, self.pending = self.pending[:count], self.pending[count:]
        if not taken and self.revoke and self._on_revoke is not None:
            self._on_revoke([("t", p) for p in self.revoke])
            self.revoke = []
        return taken

    def commit(self, positions: list[tuple[str, int, int]], *, wait: bool = False) -> None:
        self.commits.extend(positions)

    def lag(self, positions: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
        """Seven messages behind on every committed partition."""
        return [(t, p, 7) for t, p, _ in positions]

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'loop.db'}"
    upgrade(url)
    return make_engine(url)


def _run(engine: Engine, kafka: ScriptedConsumer, phases: list[Phase]) -> ConsumerReport:
    report = ConsumerReport()
    storage = EventStorage(group_id=kafka.group_id, report=report, bulk="insert")
    loop = BatchLoop(
        consumer=kafka,  # type: ignore[arg-type]
        topic="t",
        engine=engine,
        steps=storage.steps(),
        bounds=LoopBounds(batch_max_events=4, batch_max_ms=1.0),
        stop=StopFlag(),
        report=report,
        phase=phases.append,
    )
    loop.run(idle_exit_s=0.3)
    return report


def _stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(UserEvent)).scalar_one())


def test_rows_and_offsets_commit_together_then_kafka_hears_of_them(engine: Engine) -> None:
    messages = [message(payload(f"u{i % 3}", minutes=i), offset=i) for i in range(10)]
    kafka = ScriptedConsumer(messages)
    phases: list[Phase] = []

    report = _run(engine, kafka, phases)

    assert (report.consumed, report.stored, report.duplicates) == (10, 10, 0)
    assert report.batches >= 3  # at most 4 messages a batch
    assert _stored(engine) == 10
    with engine.connect() as conn:
        assert load_offsets(conn, "g", "t") == {0: 10}
        assert stats_differences(conn) == []
    assert kafka.seeks == [("t", 0, FROM_START)]  # nothing stored yet: the reset policy
    assert max(offset for _, _, offset in kafka.commits) == 10
    assert kafka.closed
    assert phases[0] == "assigned"
    assert {"polled", "prepared", "writing", "db-committed"} <= set(phases)
    assert phases.count("db-committed") == report.batches
    # the database commit always comes before the batch is acknowledged: never the reverse
    assert phases.index("writing") < phases.index("db-committed")


def test_a_restart_seeks_to_the_database_offsets_and_stores_nothing_twice(engine: Engine) -> None:
    messages = [message(payload("u1", minutes=i), offset=i) for i in range(6)]
    _run(engine, ScriptedConsumer(messages[:4]), [])
    with engine.connect() as conn:
        assert load_offsets(conn, "g", "t") == {0: 4}

    again = ScriptedConsumer(messages)  # Kafka would redeliver from its own older commit
    report = _run(engine, again, [])

    assert again.seeks == [("t", 0, 4)]
    assert (report.consumed, report.stored) == (2, 2)
    assert _stored(engine) == 6


def test_a_revoked_partition_leaves_no_lag_series_behind(engine: Engine) -> None:
    messages = [message(payload(f"u{i}", minutes=i), partition=i % 2, offset=i // 2)
                for i in range(8)]  # fmt: skip
    kafka = ScriptedConsumer(messages, group_id="g-revoke", revoke=[1])

    _run(engine, kafka, [])

    def lag(partition: int) -> float | None:
        labels = {"topic": "t", "partition": str(partition)}
        # named after whichever component this process last set up (another test may have)
        name = f"eventtide_{component_name()}_lag_messages"
        return REGISTRY.get_sample_value(name, labels)

    assert kafka.revoke == []  # the rebalance happened
    assert lag(0) == 7
    assert lag(1) is None  # the gauge had 7 before the revoke; its new owner reports it now


def test_after_an_abandoned_batch_no_later_batch_commits(engine: Engine) -> None:
    """A stop comes while the database refuses the first batch; it is abandoned at the
    end of the grace. The database is back for the batch in hand: committing it would
    store its offsets past the abandoned batch's messages, which nobody would read
    again. Both are left to the next owner, which stores all eight."""
    messages = [message(payload("u1", minutes=i), offset=i) for i in range(8)]
    kafka = ScriptedConsumer(messages)
    report = ConsumerReport()
    storage = EventStorage(group_id=kafka.group_id, report=report, bulk="insert")
    steps = storage.steps()
    stop = StopFlag()
    refused: list[int] = []

    def write_while_down(conn: Connection, prepared: Any) -> Any:
        if not refused:  # the first batch, once: the database is down, a stop comes
            while kafka.pending:  # the second batch is in hand
                time.sleep(0.01)
            refused.append(len(prepared.offsets))
            stop.stop()
            raise OperationalError("INSERT", {}, Exception("the database is restarting"))
        return steps.write(conn, prepared)

    loop = BatchLoop(
        consumer=kafka,  # type: ignore[arg-type]
        topic="t",
        engine=engine,
        steps=replace(steps, write=write_while_down),
        bounds=LoopBounds(
            batch_max_events=4, batch_max_ms=1.0, shutdown_grace_s=0.0, retry_initial_s=0.01
        ),
        stop=stop,
        report=report,
    )
    loop.run()

    assert refused
    assert report.abandoned_batches == 2  # the refused batch and the one in hand
    with engine.connect() as conn:
        assert load_offsets(conn, "g", "t") == {}
    assert _stored(engine) == 0
    assert kafka.commits == []
    again = _run(engine, ScriptedConsumer(messages), [])
    assert again.stored == 8
