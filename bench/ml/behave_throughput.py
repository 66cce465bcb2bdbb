"""bench/ml: how many events a second ``eventtide ml behave`` judges on one process.

``python -m bench.ml.behave_throughput [--users N --days D --partitions P]`` simulates a
history with the generator, fits the behaviour model on the first half's user-hours, and
runs the second half's events, as ``events.v1`` JSON, through the detector's own
``prepare`` step in batches of 5,000 (decode, advance every partition's windows event by
event, score the closed windows, serialise the touched partitions' state): five times,
median reported. The database write (a few alert rows, one state row per partition and
the offsets) and Kafka are left out: both run far above this path (bench/consumer,
docs/REFERENCE figures). Heavy: run it under ``/work/heavy`` or the bench slot.
"""

from __future__ import annotations

import argparse
import statistics
import time
import zlib
from datetime import UTC, datetime
from typing import Any

import orjson

from eventtide.ml.behave import BehaveReport, BehaveSteps, ServedBehaviourModel
from eventtide.ml.behaviour_model import fit_behaviour, window_features
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


def main() -> None:
    """Simulate, fit, time ``prepare`` over the held-out events, print the medians."""
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
    began = time.perf_counter()
    windows = window_features(train, 3_600.0)
    model = fit_behaviour(windows.table, 3_600.0)
    print(f"fitted on {len(windows)} user-hours in {time.perf_counter() - began:.1f} s")
    served = ServedBehaviourModel(model, 1)
    rates: list[float] = []
    alerts = closed = 0
    for _ in range(args.repeats):
        engine: Any = None  # never reached: the reload interval outlasts the run
        holder = ModelHolder(engine, "behaviour", 1e9, served, lambda conn, name: served)
        steps = BehaveSteps(
            holder=holder, engine=engine, group_id="bench", topic="events.v1",
            lateness_s=10.0, report=BehaveReport(),
        )  # fmt: skip
        began = time.perf_counter()
        alerts = closed = 0
        for start in range(0, len(messages), BATCH):
            behaved = steps.prepare(messages[start : start + BATCH])
            alerts += len(behaved.rows)
            closed += behaved.closed
        rates.append(len(messages) / (time.perf_counter() - began))
    print(
        f"ml behave prepare: median {statistics.median(rates):,.0f} events/s over "
        f"{args.repeats} runs (min {min(rates):,.0f}, max {max(rates):,.0f}); "
        f"{closed} user-hours closed, {alerts} alerts"
    )


if __name__ == "__main__":
    main()
