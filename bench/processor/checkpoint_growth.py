"""How a partition's checkpoint writes grow with a long live stream (pure, no database).

``python -m bench.processor.checkpoint_growth [users] [rate] [minutes]``: the generator's
events for ``users`` users, re-stamped ``rate`` per second in order (a live stream, as
``eventtide produce --rate --users`` sends it: 1,000 users at 500/s is the latency
benchmark's 0.5 events/s per user), through the full job in 100 ms batches, with the
``Checkpointer`` writing what each batch changed. Every ten minutes of stream time it
prints the bytes the last minute's batches wrote per batch, by row kind, and what the
checkpoint table holds. The job's rules look back at most an hour (the burst rule), so a
write path that scales with the batch stays flat after the first hour's rise; one that
rewrites what a user remembers grows with each user's activity.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections import Counter
from datetime import UTC, datetime

from eventtide.processor.checkpoint import Checkpointer
from eventtide.processor.config import MINUTE, SECOND, ProcessorConfig
from eventtide.processor.job import PartitionJob
from eventtide.processor.model import Event, from_mapping
from eventtide.producer.generator import GeneratorConfig, Simulation

BATCH_US = 100_000
REPORT_EVERY = 10 * MINUTE


def live_stream(users: int, rate: int, minutes: int) -> list[Event]:
    """The generator's events in their order, stamped ``rate`` per second from its start."""
    wanted = rate * minutes * 60
    start = datetime(2025, 6, 2, tzinfo=UTC)
    config = GeneratorConfig(users=users, seed=7, start=start, days=365.0)
    events: list[Event] = []
    step = SECOND // rate
    t0 = int(start.timestamp()) * SECOND
    for data in Simulation(config).events():
        event = from_mapping(data)
        events.append(dataclasses.replace(event, ts=t0 + len(events) * step))
        if len(events) == wanted:
            break
    return events


def main(argv: list[str]) -> int:
    """Print bytes written per batch and rows held, every ten minutes of stream time."""
    users = int(argv[0]) if argv else 1_000
    rate = int(argv[1]) if len(argv) > 1 else 500
    minutes = int(argv[2]) if len(argv) > 2 else 90
    t = time.perf_counter()
    events = live_stream(users, rate, minutes)
    print(f"{len(events):,} events, {users:,} users at {rate}/s, {minutes} min")
    print(f"generated in {time.perf_counter() - t:.0f} s")
    job, checkpoint = PartitionJob(0, ProcessorConfig()), Checkpointer(0)
    stored: dict[tuple[str, str], int] = {}
    per_kind: Counter[str] = Counter()
    batches = 0
    t0, per_batch = events[0].ts, rate * BATCH_US // SECOND
    next_report = t0 + REPORT_EVERY
    print("minute  bytes/batch (last minute)  by kind                       rows held  MB held")
    for offset in range(0, len(events), per_batch):
        batch = list(enumerate(events[offset : offset + per_batch], start=offset))
        job.process(batch, now=offset)
        change = checkpoint.changes(job)
        for gone in change.deletes:
            stored.pop(gone, None)
        for kind, key, text in change.upserts:
            stored[(kind, key)] = len(text)
        if batch[-1][1].ts >= next_report - MINUTE:
            for kind, _key, text in change.upserts:
                per_kind[kind] += len(text)
            batches += 1
        if batch[-1][1].ts >= next_report:
            minute = (next_report - t0) // MINUTE
            total = sum(per_kind.values()) // batches
            kinds = ", ".join(f"{k} {v // batches:,}" for k, v in per_kind.most_common(3))
            held = sum(stored.values()) / 1e6
            print(
                f"{minute:>6}  {total:>25,}  {kinds:<28}  {len(stored):>9,}  {held:>7.1f}",
                flush=True,
            )
            per_kind.clear()
            batches = 0
            next_report += REPORT_EVERY
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
