"""Result latency: how long after the watermark could close a 1-minute window its final
result is out.

Live events are produced at a fixed rate (``eventtide produce --rate``: stamped with the
time they are sent) while ``eventtide process`` runs the full job with its output topics
on. A window ``[start, end)`` can first be closed when an event stamped ``end + allowed
lateness`` arrives, which in a live stream is the wall-clock instant ``end + lateness``;
its final result is out when the processor queues the final ``windows.v1`` record (the
record's timestamp, set after the batch's database commit). The difference is the
latency beyond the configured lateness; an event's own arrival-to-final time adds the
rest of its window and the lateness to it.

Only windows that end after the processor has caught up with the stream's start and
that the stream's last events can close are counted, over the ``event_type`` dimension
(one result per event type, window and partition). ``behind_s`` says how far the
processor was behind when the stream stopped (the time it still needed to drain the
backlog): a latency far above a second with a large ``behind_s`` means the processor did
not keep up with the rate, not that closing is slow.

``python -m bench.processor.latency [full|simple] [rate] [seconds]`` measures one job on
its own (KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL set, as for ``run.py``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import orjson
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from bench.consumer.run import CLI, finish

WINDOW, DIM = "tumbling_1m", "event_type"
OUTPUTS = ("WINDOWS", "SESSIONS", "ALERTS", "FEATURES", "LATE")
IDLE_EXIT_S = 3
WARM_UP_S = 20.0
"""Windows ending this soon after the stream started are left out (the processor's join)."""


@dataclass(frozen=True)
class Latency:
    """Seconds beyond the allowed lateness, over every final 1-minute window result."""

    p50_s: float
    p95_s: float
    results: int
    rate: float
    behind_s: float


def _topics(bootstrap: str) -> dict[str, str]:
    """Fresh output topics (one partition each) for this measurement."""
    names = {kind: f"bench.latency.{kind.lower()}.{uuid.uuid4().hex[:8]}" for kind in OUTPUTS}
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, 1, 1) for name in names.values()])
    for future in futures.values():
        future.result(30)
    return names


def _final_windows(bootstrap: str, topic: str) -> list[tuple[dict[str, object], float]]:
    """Every final 1-minute record of the windows topic, with its timestamp (seconds)."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"latency-{uuid.uuid4().hex[:8]}",
         "enable.auto.commit": False, "auto.offset.reset": "earliest"}
    )  # fmt: skip
    try:
        _, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=30)
        consumer.assign([TopicPartition(topic, 0, 0)])
        found: list[tuple[dict[str, object], float]] = []
        read, deadline = 0, time.monotonic() + 120
        while read < high and time.monotonic() < deadline:
            for message in consumer.consume(10_000, timeout=1.0):
                if message.error() is not None:
                    continue
                read += 1
                value = message.value()
                if value is None:
                    continue
                record = orjson.loads(value)
                if (record["window"], record["dimension"], record["final"]) == (WINDOW, DIM, True):
                    found.append((record, message.timestamp()[1] / 1000))
        return found
    finally:
        consumer.close()


def measure(
    env: dict[str, str], bootstrap: str, topic: str, *, rate: int, seconds: float
) -> Latency:
    """Produce live for ``seconds`` at ``rate`` while the full job runs; read the results."""
    names = _topics(bootstrap)
    lateness = float(env.get("EVENTTIDE_PROCESSOR_ALLOWED_LATENESS_S", "10"))
    penv = {**env, "EVENTTIDE_PROCESSOR_TOPICS_ENABLED": "true"}
    penv.update({f"EVENTTIDE_PROCESSOR_{kind}_TOPIC": name for kind, name in names.items()})
    command = [CLI, "produce", "--topic", topic, "--events", str(int(rate * seconds))]
    command += ["--rate", str(rate), "--users", "20000", "--json"]
    started = time.time()
    producer = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    group = f"latency-{uuid.uuid4().hex[:8]}"
    command = [CLI, "process", "--topic", topic, "--group", group, "--json"]
    processor = subprocess.Popen(
        [*command, "--idle-exit", str(IDLE_EXIT_S)],
        env=penv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    out, _ = producer.communicate(timeout=seconds * 3 + 120)
    ended = time.time()
    summary = json.loads(out.strip().splitlines()[-1])
    finish(processor)
    behind = time.time() - IDLE_EXIT_S - ended
    closable = [
        (record, emitted)
        for record, emitted in _final_windows(bootstrap, names["WINDOWS"])
        if started + WARM_UP_S <= int(str(record["window_end"])) / 1e6 <= ended - lateness - 1
    ]
    if not closable:
        raise RuntimeError("no 1-minute window closed while the stream was live")
    beyond = sorted(
        emitted - (int(str(record["window_end"])) / 1e6 + lateness) for record, emitted in closable
    )
    p95 = statistics.quantiles(beyond, n=20, method="inclusive")[-1] if beyond[1:] else beyond[0]
    rate_sent = summary["sent"] / (ended - started)
    return Latency(statistics.median(beyond), p95, len(beyond), rate_sent, max(0.0, behind))


def main(argv: list[str]) -> int:
    """One latency measurement of the full or the simple job; prints it as JSON."""
    from bench.consumer.run import create_topic
    from bench.harness import drop_database, fresh_database
    from bench.processor.run import SIMPLE_JOB

    job = argv[0] if argv else "full"
    rate = int(argv[1]) if len(argv) > 1 else 10_000
    seconds = float(argv[2]) if len(argv) > 2 else 150.0
    url, bootstrap = os.environ["DATABASE_URL"], os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    env = {**os.environ, **(SIMPLE_JOB if job == "simple" else {})}
    database = fresh_database(url)
    try:
        found = measure(
            {**env, "DATABASE_URL": database}, bootstrap, create_topic(bootstrap, "latency"),
            rate=rate, seconds=seconds,
        )  # fmt: skip
    finally:
        drop_database(url, database)
    print(json.dumps({"job": job, **dataclasses.asdict(found)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
