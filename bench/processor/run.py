"""The whole processor, one process, exactly once into PostgreSQL, against its pure core
and against Quix Streams.

A topic is filled once with live events (``eventtide produce --rate 0``: stamped with
the time they are sent, so event time is as dense as a real stream at that rate); each
run processes it into a fresh database with ``eventtide process`` (a real process;
output topics off, so the figure is the exactly-once path: decode, job, changed
checkpoint rows, results and offsets per transaction), measured from its first message
to its last commit. The same full job with its output topics on (every result record
stored in the batch's transactional outbox row, sent after the commit, the row deleted
once acknowledged) is measured next to it outside quick mode: the difference is what the
topics cost.
Peers, measured in the same invocation on the same topic:

- the pure core alone (``bench/processor/pure.py``: no Kafka, no database) on a
  generated stream: the ceiling the wiring's I/O is measured against;
- Quix Streams 3.28 running the simple job (1-minute tumbling count per event type,
  exactly once; ``quix_peer.py``) in its own virtual environment, made here with the
  pinned uv because Quix pins confluent-kafka below ours. Ours runs the same simple
  job against it (``EVENTTIDE_PROCESSOR_WINDOWS=["tumbling_1m"]``,
  ``EVENTTIDE_PROCESSOR_DIMENSIONS=["event_type"]``, ``EVENTTIDE_PROCESSOR_WINDOWS_ONLY``:
  one window family over one dimension, no sessions, attribution, alerts or features),
  exactly once into PostgreSQL.

Then, outside quick mode, once: the result latency of the full job at 10,000 live
events/s (``latency.py``): how long after the watermark could close a 1-minute window
its final result is out, beyond the allowed lateness, p50 and p95.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.consumer.run import CLI, create_topic, finish
from bench.harness import (
    Comparison,
    Series,
    drop_database,
    fresh_database,
    parse_args,
    repeat,
    report,
)
from bench.processor import latency


def process(env: dict[str, str], topic: str) -> subprocess.Popen[str]:
    """``eventtide process`` as a process (summary on stdout)."""
    import uuid

    command = [CLI, "process", "--topic", topic, "--group", f"bench-{uuid.uuid4().hex[:8]}"]
    command += ["--idle-exit", "3", "--json"]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


SIMPLE_JOB = {
    "EVENTTIDE_PROCESSOR_WINDOWS": '["tumbling_1m"]',
    "EVENTTIDE_PROCESSOR_DIMENSIONS": '["event_type"]',
    "EVENTTIDE_PROCESSOR_WINDOWS_ONLY": "true",
}
"""Quix's job in our processor: a 1-minute tumbling count per event type."""
LATENCY_RATE = 10_000
LATENCY_SECONDS = 150.0
"""Long enough for two 1-minute windows to close while the stream is live."""

QUIX = "quixstreams==3.28.1"
PEER = Path(__file__).resolve().parent / "quix_peer.py"


def quix_python() -> str:
    """The interpreter of the isolated Quix environment (made once in the cache)."""
    cache = Path(os.environ.get("EVENTTIDE_CACHE", Path.home() / ".cache" / "eventtide"))
    venv = cache / "quixstreams-3.28"
    python = venv / "bin" / "python"
    if not python.exists():
        uv = os.environ.get("EVENTTIDE_UV") or str(cache / "uv-0.9.30" / "bin" / "uv")
        subprocess.run([uv, "venv", "-q", str(venv), "--python", sys.executable], check=True)
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(python), QUIX], check=True, timeout=600
        )
    return str(python)


def quix_rate(python: str, bootstrap: str, topic: str, events: int) -> float:
    """events/s of the Quix job over the whole topic."""
    out = subprocess.run(
        [python, str(PEER), bootstrap, topic, str(events)],
        capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"the Quix peer exited {out.returncode}: {out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"quix peer: {result['events_per_s']:,.0f} events/s, drain {result['drain_s']:.1f} s")
    return float(result["events_per_s"])


def fill(env: dict[str, str], topic: str, events: int) -> None:
    """Live events as fast as the producer sends them (``--rate 0``)."""
    command = [CLI, "produce", "--topic", topic, "--events", str(events), "--json"]
    command += ["--rate", "0", "--users", "20000"]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=600)
    sent = json.loads(out.stdout.strip().splitlines()[-1])["sent"]
    assert sent == events, out.stdout


def output_topics(bootstrap: str) -> dict[str, str]:
    """Fresh output topics for one run with topics on (the settings that name them)."""
    names = ("windows", "sessions", "alerts", "features", "late")
    return {
        "EVENTTIDE_PROCESSOR_TOPICS_ENABLED": "true",
        **{f"EVENTTIDE_PROCESSOR_{n.upper()}_TOPIC": create_topic(bootstrap, n) for n in names},
    }


def wired_rate(url: str, env: dict[str, str], topic: str, events: int) -> float:
    """events/s of ``eventtide process`` over the whole topic into a fresh database."""
    database = fresh_database(url)
    try:
        summary = finish(process({**env, "DATABASE_URL": database}, topic))
        loop = summary["loop"]
        assert loop["consumed"] == events, summary
        return float(loop["consumed"] / loop["active_s"])
    finally:
        drop_database(url, database)


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
    events = 8_000 if args.quick else 200_000
    env = {**os.environ, "EVENTTIDE_PROCESSOR_TOPICS_ENABLED": "false"}
    topic = create_topic(bootstrap, "processor")
    fill(env, topic, events)
    python = quix_python()
    ours = Series("eventtide process, full job, exactly once into PostgreSQL", "events/s")
    topics = Series("eventtide process, full job, with output topics (outbox)", "events/s")
    pure = Series("pure core, no I/O", "events/s")
    quix = Series("Quix Streams 3.28, 1-min count per event type, exactly once", "events/s")

    simple = Series("eventtide process, 1-min count per event type, exactly once", "events/s")

    def once(_index: int) -> dict[str, float]:
        ours.values.append(wired_rate(url, env, topic, events))
        if not args.quick:  # the integration tests run the topics path; keep quick short
            with_topics = {**env, **output_topics(bootstrap)}
            topics.values.append(wired_rate(url, with_topics, topic, events))
        simple.values.append(wired_rate(url, {**env, **SIMPLE_JOB}, topic, events))
        pure.values.append(pure_rate(2_000 if args.quick else 20_000, 0.5 if args.quick else 1.0))
        quix.values.append(quix_rate(python, bootstrap, topic, events))
        return {
            "ours": ours.values[-1],
            "topics": topics.values[-1] if topics.values else 0.0,
            "simple": simple.values[-1],
            "pure": pure.values[-1],
            "quix": quix.values[-1],
        }

    repeat(args.runs, "processor", once)
    notes: dict[str, object] = {"latency": "not measured in quick mode (1-minute windows)"}
    if not args.quick:
        database = fresh_database(url)
        try:
            found = latency.measure(
                {**env, "DATABASE_URL": database}, bootstrap, create_topic(bootstrap, "latency"),
                rate=LATENCY_RATE, seconds=LATENCY_SECONDS,
            )  # fmt: skip
        finally:
            drop_database(url, database)
        notes["latency"] = {
            "what": "final 1-min window result out, seconds beyond the allowed lateness",
            "job": "full", "target_rate": LATENCY_RATE, "achieved_rate": round(found.rate),
            "p50_s": round(found.p50_s, 3), "p95_s": round(found.p95_s, 3),
            "results": found.results, "behind_s": round(found.behind_s, 1), "goal_p95_s": 1.0,
        }  # fmt: skip
        print(f"[bench] latency beyond lateness: {notes['latency']}")
    report(
        "processor",
        [
            Comparison("events/s, full job, one process", ours, pure),
            *(
                [Comparison("events/s, full job, output topics on vs off", topics, ours)]
                if topics.values
                else []
            ),
            Comparison("events/s, 1-min count per event type", simple, quix, goal_ratio=1.5),
            Comparison("events/s, ours full job vs Quix simple job", ours, quix),
        ],
        quick=args.quick,
        parameters={
            "events": events,
            "runs": args.runs,
            "topics": "off, and on for the topics series",
            "stream": "live",
        },
        notes=notes,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
