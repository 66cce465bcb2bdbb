"""Kafka into PostgreSQL, exactly once, one process: our consumer against the naive design.

Throughput: a topic is filled once (``eventtide produce --backfill-days``); each run
stores it into a fresh database with ``eventtide consume`` (a real process, measured
from its first message to its last commit) and then stores a slice of it with the
original plan's one-ORM-object-one-commit-per-event loop, side by side.

Latency: with the consumer running, live events are sent at a steady 10,000 events/s
by ``eventtide produce``'s generator and send loop, from a producer that has finished
connecting before it stamps its first event (bench/consumer/live.py says why); the
consumer reports occurred_at to row-committed percentiles.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from bench.consumer.live import produce_live
from bench.consumer.naive import run_naive
from bench.harness import (
    Comparison,
    Series,
    drop_database,
    fresh_database,
    parse_args,
    repeat,
    report,
)
from eventtide.consumer.settings import ConsumerSettings
from eventtide.core.transactional.rebalances import rebalances

CLI = str(Path(sys.executable).parent / "eventtide")
PARTITIONS = 6
LATENCY_RATE = 10_000


def create_topic(bootstrap: str, prefix: str) -> str:
    """A fresh topic for this invocation."""
    name = f"bench.{prefix}.{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, PARTITIONS, 1)])[name].result(30)
    return name


def produce(env: dict[str, str], topic: str, events: int, *, rate: float | None) -> dict[str, Any]:
    """``eventtide produce`` as a process; its JSON summary."""
    command = [CLI, "produce", "--topic", topic, "--events", str(events), "--json"]
    command += ["--rate", str(rate)] if rate else ["--backfill-days", "7", "--users", "20000"]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=600)
    summary: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return summary


def consume(env: dict[str, str], topic: str, idle_exit: float) -> subprocess.Popen[str]:
    """``eventtide consume`` as a process (summary on stdout, log on stderr)."""
    command = [CLI, "consume", "--topic", topic, "--group", f"bench-{uuid.uuid4().hex[:8]}"]
    command += ["--idle-exit", str(idle_exit), "--json"]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(proc: subprocess.Popen[str]) -> dict[str, Any]:
    """Wait for a consumer and read its summary."""
    out, err = proc.communicate(timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"consumer failed ({proc.returncode}): {err[-2000:]}")
    summary: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return summary


def wait_assigned(proc: subprocess.Popen[str], timeout_s: float = 60) -> list[str]:
    """Read the consumer's log until it owns partitions (so latency excludes the join)."""
    assert proc.stderr is not None
    seen = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen.append(line)
        if any(change.assigned for change in rebalances(line)):
            return seen
    raise RuntimeError("the consumer never got partitions: " + "".join(seen[-20:]))


def main(argv: Sequence[str] | None = None) -> int:
    """Measure ours, naive and latency ``--runs`` times and write the comparison."""
    args = parse_args(__doc__ or "", argv)
    url, bootstrap = os.environ.get("DATABASE_URL"), os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not url or not bootstrap or not url.startswith("postgresql"):
        print("DATABASE_URL (PostgreSQL) and KAFKA_BOOTSTRAP_SERVERS must be set; use `make bench`")
        return 2
    events = 8_000 if args.quick else 200_000
    naive_events = 500 if args.quick else 4_000
    latency_events = 5_000 if args.quick else 100_000
    env = {**os.environ, "EVENTTIDE_CONSUMER_DLQ_TOPIC_ENABLED": "false"}
    topic = create_topic(bootstrap, "consumer")
    filled = produce(env, topic, events, rate=None)
    assert filled["sent"] == events, filled

    ours = Series("batched COPY, one transaction per batch", "events/s")
    naive = Series("ORM object + commit per event", "events/s")
    p50 = Series("p50", "ms", higher_is_better=False)
    p95 = Series("p95", "ms", higher_is_better=False)
    p99 = Series("p99", "ms", higher_is_better=False)
    produced_rates: list[float] = []

    def once(_index: int) -> dict[str, float]:
        database = fresh_database(url)
        try:
            summary = finish(consume({**env, "DATABASE_URL": database}, topic, idle_exit=3))
            assert summary["stored"] == events, summary
            ours.values.append(summary["stored_per_active_s"])
        finally:
            drop_database(url, database)
        database = fresh_database(url)
        try:
            naive.values.append(run_naive(bootstrap, topic, database, naive_events))
        finally:
            drop_database(url, database)
        database = fresh_database(url)
        live = create_topic(bootstrap, "latency")
        try:
            proc = consume(
                {**env, "DATABASE_URL": database}, live, idle_exit=3 if args.quick else 10
            )
            wait_assigned(proc)
            sent = produce_live(bootstrap, live, latency_events, LATENCY_RATE)
            produced_rates.append(sent["events_per_s"])
            summary = finish(proc)
            assert summary["stored"] == latency_events, summary
            for series, key in (
                (p50, "latency_p50_ms"),
                (p95, "latency_p95_ms"),
                (p99, "latency_p99_ms"),
            ):
                series.values.append(summary[key])
        finally:
            drop_database(url, database)
        return {
            "ours events/s": ours.values[-1],
            "naive events/s": naive.values[-1],
            "p95 ms": p95.values[-1],
        }

    repeat(args.runs, "consumer", once)
    latency_goal = Series("goal (issue)", "ms", [200.0], higher_is_better=False)
    consumer = ConsumerSettings()
    record = report(
        "consumer",
        [
            Comparison("events/s Kafka -> PostgreSQL, exactly once", ours, naive, goal_ratio=30),
            Comparison(
                f"p50 latency occurred_at -> committed at {LATENCY_RATE}/s", p50, latency_goal
            ),
            Comparison(
                f"p95 latency occurred_at -> committed at {LATENCY_RATE}/s", p95, latency_goal
            ),
            Comparison(
                f"p99 latency occurred_at -> committed at {LATENCY_RATE}/s", p99, latency_goal
            ),
        ],
        quick=args.quick,
        parameters={
            "events_per_run": events,
            "naive_events_per_run": naive_events,
            "latency_events": latency_events,
            "latency_rate": LATENCY_RATE,
            "partitions": PARTITIONS,
            "runs": args.runs,
            "bulk": consumer.bulk,  # as the consumer reads them, defaults included
            "batch_max_events": str(consumer.batch_max_events),
            "batch_max_ms": f"{consumer.batch_max_ms:g}",
        },
        notes={
            "goals": "ours >= 50,000 events/s; ours/naive >= 30x; p95 < 200 ms",
            "latency_producer_events_per_s": produced_rates,
            "latency_goal_series_is_a_constant": True,
        },
    )
    print(json.dumps({c["metric"]: round(c["ours"]["median"], 1) for c in record["comparisons"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
