"""bench/ml: how many events a second ``eventtide ml behave`` judges on one process.

``python -m bench.ml.behave_throughput [--users N --days D --partitions P]`` simulates a
history with the generator and, for each served set-up (the default: a model of
user-days, with its short model of hours, judged every hour on each active user's
trailing day and last hour; and a model of user-hours judged on tumbling hours), fits
the behaviour model on the first half's tumbling windows and runs the second half's
events, as ``events.v1`` JSON, through the detector's own ``prepare`` step in batches
of 5,000 (decode, advance every partition's panes event by event, score the closed
windows, keep episode openers, take the touched partitions' state changes): five times
each, median reported, with what the checkpoint writes per batch (the headers and the
segments of the events the batch added) and what its rows hold at the end (each active
user's events of the last window). The database write (a few alert rows, the state rows and the
offsets) and Kafka are left out: both run far above this path (bench/consumer,
docs/REFERENCE figures). Heavy: run it under ``/work/heavy``
or the bench slot.
"""

from __future__ import annotations

import argparse
import statistics
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from eventtide.core.db.behaviour import segments_after
from eventtide.ml.behave import Behaved, BehaveReport, BehaveSteps, ServedBehaviourModel
from eventtide.ml.behaviour_model import fit_with_short
from eventtide.ml.history import DAY_S, EventLog
from eventtide.ml.scorer import ModelHolder
from eventtide.ml.sources import row_of
from eventtide.producer.generator import GeneratorConfig, Simulation

START = datetime(2026, 1, 5, tzinfo=UTC)
BATCH = 5_000


class _Message:
    """What the loop hands ``prepare``: a value and its position."""

    __slots__ = ("_offset", "_partition", "_value")

    def __init__(self, value: bytes, partition: int, offset: int) -> None:
        self._value, self._partition, self._offset = value, partition, offset

    def value(self) -> bytes:
        return self._value

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset

    def topic(self) -> str:
        return "events.v1"

    def error(self) -> None:
        return None


def _history(users: int, days: int, partitions: int) -> tuple[EventLog, list[_Message]]:
    """The first half as an event log, the second half as ``events.v1`` messages."""
    half = START.timestamp() + days // 2 * DAY_S
    rows, messages, offsets = [], [], [0] * partitions
    simulation = Simulation(GeneratorConfig(users=users, seed=7, start=START, days=days))
    for event in simulation.events():
        row = row_of(event)
        if row is None:
            continue
        if row[1] < half:
            rows.append(row)
            continue
        partition = zlib.crc32(row[0].encode()) % partitions
        messages.append(_Message(orjson.dumps(event), partition, offsets[partition]))
        offsets[partition] += 1
    return EventLog.from_rows(rows), messages


SETUPS: tuple[tuple[str, float, float], ...] = (
    ("user-days every hour (default)", 86_400.0, 3_600.0),
    ("tumbling user-hours", 3_600.0, 3_600.0),
)
"""(name, model window s, hop s) of each served set-up timed."""


@dataclass
class _Checkpoint:
    """The bytes each batch's state changes write, and the rows they leave."""

    written: list[int] = field(default_factory=list)
    headers: dict[int, int] = field(default_factory=dict)
    segments: dict[int, dict[str, int]] = field(default_factory=dict)
    """Per partition, the bytes of each segment kept."""

    def add(self, behaved: Behaved) -> None:
        written = 0
        for partition, change in behaved.changes.items():
            added = {key: len(document) for key, document in change.segments.items()}
            held = self.segments.get(partition, {})
            self.segments[partition] = segments_after(held, added, change)
            self.headers[partition] = len(change.header)
            written += len(change.header) + sum(added.values())
        self.written.append(written)

    def held_bytes(self) -> int:
        """What the rows hold now."""
        return sum(self.headers.values()) + sum(sum(s.values()) for s in self.segments.values())


def _time_setup(
    train: EventLog, messages: list[_Message], window_s: float, hop_s: float, repeats: int
) -> tuple[list[float], int, int, _Checkpoint]:
    """Events/s per run, windows closed, alerts and the last run's checkpoint bytes."""
    model = fit_with_short(train, window_s)
    served = ServedBehaviourModel(model, 1)
    rates: list[float] = []
    alerts = closed = 0
    checkpoint = _Checkpoint()
    for _ in range(repeats):
        engine: Any = None  # never reached: the reload interval outlasts the run
        holder = ModelHolder(engine, "behaviour", 1e9, served, lambda conn, name: served)
        steps = BehaveSteps(
            holder=holder, engine=engine, group_id="bench", topic="events.v1",
            lateness_s=10.0, hop_s=hop_s, report=BehaveReport(),
        )  # fmt: skip
        began = time.perf_counter()
        alerts = closed = 0
        batches: list[Behaved] = []
        for start in range(0, len(messages), BATCH):
            batches.append(steps.prepare(messages[start : start + BATCH]))
            alerts += len(batches[-1].rows)
            closed += batches[-1].closed
        rates.append(len(messages) / (time.perf_counter() - began))
        checkpoint = _Checkpoint()
        for behaved in batches:
            checkpoint.add(behaved)
    return rates, closed, alerts, checkpoint


def main() -> None:
    """Simulate, then per set-up fit and time ``prepare`` over the held-out events."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    began = time.perf_counter()
    train, messages = _history(args.users, args.days, args.partitions)
    print(f"simulated: {len(train)} training events, {len(messages)} to judge "
          f"({time.perf_counter() - began:.1f} s)")  # fmt: skip
    medians: list[float] = []
    for name, window_s, hop_s in SETUPS:
        rates, closed, alerts, checkpoint = _time_setup(
            train, messages, window_s, hop_s, args.repeats
        )
        medians.append(statistics.median(rates))
        print(
            f"{name}: median {medians[-1]:,.0f} events/s over {args.repeats} runs "
            f"(min {min(rates):,.0f}, max {max(rates):,.0f}); {closed} windows closed, "
            f"{alerts} alerts; checkpoint written per batch: median "
            f"{statistics.median(checkpoint.written) / 1e6:.3f} MB, max "
            f"{max(checkpoint.written) / 1e6:.3f} MB; its rows at the end "
            f"{checkpoint.held_bytes() / 1e6:.2f} MB"
        )
    print(f"ratio, first set-up over second: {medians[0] / medians[1]:.2f}")


if __name__ == "__main__":
    main()
