"""The whole processor, one process, exactly once into PostgreSQL, against its pure core.

A topic is filled once (``eventtide produce --backfill-days``); each run processes it
into a fresh database with ``eventtide process`` (a real process; output topics off, so
the figure is the exactly-once path: decode, job, changed checkpoint rows, results and
offsets per transaction), measured from its first message to its last commit. The peer
is the pure core alone (``bench/processor/pure.py``: no Kafka, no database) on a
generated stream of the same shape: the ceiling the wiring's I/O is measured against.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence

from bench.consumer.run import (
    CLI,
    create_topic,
    drop_database,
    finish,
    fresh_database,
    produce,
)
from bench.harness import Comparison, Series, parse_args, repeat, report


def process(env: dict[str, str], topic: str) -> subprocess.Popen[str]:
    """``eventtide process`` as a process (summary on stdout)."""
    import uuid

    command = [CLI, "process", "--topic", topic, "--group", f"bench-{uuid.uuid4().hex[:8]}"]
    command += ["--idle-exit", "3", "--json"]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def pure_rate(users: int, days: float) -> float:
    """events/s of the pure core (reduce + job + flush) on a generated stream."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.processor.pure", str(users), str(days), "--gc-threshold"],
        capture_output=True, text=True, check=True, timeout=900,
    )  # fmt: skip
    found = re.search(r"reduce \+ job \+ flush\s+([\d,]+) events/s", out.stdout)
    if found is None:
        raise RuntimeError(out.stdout)
    return float(found.group(1).replace(",", ""))


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the wired processor and the pure core ``--runs`` times."""
    args = parse_args(__doc__ or "", argv)
    url, bootstrap = os.environ.get("DATABASE_URL"), os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not url or not bootstrap or not url.startswith("postgresql"):
        print("DATABASE_URL (PostgreSQL) and KAFKA_BOOTSTRAP_SERVERS must be set; use `make bench`")
        return 2
    events = 20_000 if args.quick else 200_000
    env = {**os.environ, "EVENTTIDE_PROCESSOR_TOPICS_ENABLED": "false"}
    topic = create_topic(bootstrap, "processor")
    filled = produce(env, topic, events, rate=None)
    assert filled["sent"] == events, filled
    ours = Series("eventtide process, exactly once into PostgreSQL", "events/s")
    pure = Series("pure core, no I/O", "events/s")

    def once(_index: int) -> dict[str, float]:
        database = fresh_database(url)
        try:
            summary = finish(process({**env, "DATABASE_URL": database}, topic))
            loop = summary["loop"]
            assert loop["consumed"] == events, summary
            ours.values.append(loop["consumed"] / loop["active_s"])
        finally:
            drop_database(url, database)
        pure.values.append(pure_rate(2_000 if args.quick else 20_000, 0.5 if args.quick else 1.0))
        return {"ours": ours.values[-1], "pure": pure.values[-1]}

    repeat(args.runs, "processor", once)
    report(
        "processor",
        [Comparison("events/s, full job, one process", ours, pure)],
        quick=args.quick,
        parameters={"events": events, "runs": args.runs, "topics": "off"},
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
