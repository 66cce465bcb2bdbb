"""Throughput of the processor's pure core alone: generated events through the full job.

``python -m bench.processor.pure [users] [days]``. One process, no Kafka, no database:
the figure says how much of the 30,000 events/s per-process goal the computation itself
leaves to I/O. Stages are timed apart: reducing event dicts to records (the wiring will
do that while decoding), then the job (windows, sessions, attribution, alerts, features)
in batches of 5,000 events from one partition, and the end-of-stream flush.
"""

from __future__ import annotations

import gc
import sys
import time
from datetime import UTC, datetime

from eventtide.processor.config import ProcessorConfig
from eventtide.processor.job import PartitionJob
from eventtide.processor.model import from_mapping
from eventtide.producer.generator import GeneratorConfig, Simulation

BATCH = 5_000


def main(argv: list[str]) -> int:
    """Print events/s per stage and for the whole pure path."""
    args = [a for a in argv if not a.startswith("--")]
    users = int(args[0]) if args else 20_000
    days = float(args[1]) if len(args) > 1 else 1.0
    start = datetime(2025, 6, 2, tzinfo=UTC)
    data = list(Simulation(GeneratorConfig(users=users, seed=7, start=start, days=days)).events())
    n = len(data)
    t0 = time.perf_counter()
    events = [from_mapping(d) for d in data]
    t1 = time.perf_counter()
    if "--gc-threshold" in sys.argv:
        gc.set_threshold(100_000, 50, 100)  # what the wiring's start-up would set
    job = PartitionJob(0, ProcessorConfig())
    outputs = 0
    for offset in range(0, n, BATCH):
        batch = list(enumerate(events[offset : offset + BATCH], start=offset))
        out = job.process(batch, now=offset)
        outputs += len(out.windows) + len(out.sessions) + len(out.alerts) + len(out.features)
    t2 = time.perf_counter()
    out = job.flush()
    t3 = time.perf_counter()
    reduce_s, job_s, flush_s = t1 - t0, t2 - t1, t3 - t2
    print(f"events                 {n:,} ({users:,} users, {days} days)")
    print(f"reduce dicts           {n / reduce_s:,.0f} events/s")
    print(f"job (process)          {n / job_s:,.0f} events/s, {outputs:,} output records")
    print(f"job + flush            {n / (job_s + flush_s):,.0f} events/s")
    print(f"reduce + job + flush   {n / (reduce_s + job_s + flush_s):,.0f} events/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
