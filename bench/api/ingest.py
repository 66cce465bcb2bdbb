"""Ingestion through HTTP (Locust, batches of 100) against the bare producer, same run.

The API runs as ``eventtide api serve`` in its own process (one process, as deployed);
Locust runs headless in another and writes its CSV stats, which are read back here.
The ceiling is the core's producer alone in this process: the same events validated,
encoded and acknowledged by the same broker, with no HTTP in front of it.
"""

from __future__ import annotations

import csv
import os
import resource
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil

from bench.api.queries import percentile
from eventtide.api.keys import make_key
from eventtide.core.db import make_engine
from eventtide.core.db.apikeys import insert_key
from eventtide.core.db.migrate import upgrade
from eventtide.core.events import validate_json_event
from eventtide.core.kafka import EventProducer, ProducerTuning, encode, producer_config

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
REPO_ROOT = Path(__file__).resolve().parents[2]
BATCH = 100


@dataclass(frozen=True)
class LoadResult:
    """What one Locust run saw: accepted events/s and latency percentiles (ms)."""

    events_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    failures: int
    client_cpu_s: float = 0.0
    """CPU the Locust process used (user + system): on two shared cores a load client
    competes with the server it measures, so the record says how much it took."""


def free_port() -> int:
    """A free loopback port for the API."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ingest_key(database_url: str) -> str:
    """A fresh ingest key with no practical rate limit."""
    upgrade(database_url)
    made = make_key()
    engine = make_engine(database_url)
    with engine.begin() as conn:
        insert_key(conn, key_id=made.key_id, key_hash=made.key_hash, name="bench-api",
                   scopes=["ingest"], rate_limit_per_s=1e9)  # fmt: skip
    engine.dispose()
    return made.plain


class ApiServer:
    """``eventtide api serve`` in a subprocess, producing to ``topic``."""

    def __init__(self, env: dict[str, str], topic: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        server_env = env | {"EVENTTIDE_EVENTS_TOPIC": topic, "EVENTTIDE_DLQ_TOPIC": f"{topic}.dlq"}
        self._log = log.open("wb")
        command = [str(Path(sys.executable).parent / "eventtide"), "api", "serve"]
        self._proc = subprocess.Popen(
            [*command, "--port", str(self.port)],
            env=server_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"the API exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"the API did not answer within 60 s: {log.read_text()[-2000:]}")

    def cpu_seconds(self) -> float:
        """CPU time the API process used so far (user + system, all threads)."""
        times = psutil.Process(self._proc.pid).cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        """SIGTERM, then wait (the lifespan flushes the producers)."""
        self._proc.terminate()
        try:
            self._proc.wait(30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
        self._log.close()


def locust(
    url: str, key: str, *, users: int, seconds: float, rate: float | None, out: Path
) -> LoadResult:
    """One headless Locust run; events/s counts only fully accepted batches."""
    prefix = out / f"locust-{uuid.uuid4().hex[:8]}"
    # the Locust file imports bench.api.pacing: the repository root on the path,
    # wherever the benchmark was started from
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    env = os.environ | {"BENCH_API_KEY": key, "BENCH_API_BATCH": str(BATCH), "PYTHONPATH": path}
    if rate is not None:
        env["BENCH_API_RATE"] = str(rate)
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", url,
        "-u", str(users), "-r", str(users), "-t", f"{seconds:g}s", "--csv", str(prefix),
        "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    stats = prefix.with_name(prefix.name + "_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"locust wrote no stats: {done.stdout[-1500:]}{done.stderr[-1500:]}")
    with stats.open() as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    requests, failures = int(row["Request Count"]), int(row["Failure Count"])
    if requests == 0:  # Locust prints "N/A" percentiles then: say why instead
        raise RuntimeError(f"locust made no request in {seconds:g}s: {done.stderr[-1500:]}")
    return LoadResult(
        events_per_s=(requests - failures) * BATCH / seconds,
        p50_ms=float(row["50%"]),
        p99_ms=float(row["99%"]),
        requests=requests,
        failures=failures,
        client_cpu_s=client_cpu,
    )


def page_views(count: int) -> list[bytes]:
    """``count`` valid page views of 1,000 users as JSON, stamped a minute ago."""
    at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    stamp = datetime.now(UTC).isoformat()
    return [
        orjson.dumps({
            "event_id": str(uuid.uuid4()), "event_type": "page_view", "user_id": f"u-{i % 1000}",
            "session_id": f"s-{i % 300}", "occurred_at": at, "received_at": stamp,
            "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/home"},
            "properties": {"title": "Home"},
        })
        for i in range(count)
    ]  # fmt: skip


def bare_producer(bootstrap: str, topic: str, count: int) -> float:
    """Events/s acknowledged by the core producer alone: validate, encode, send, flush."""
    raws = page_views(count)
    producer = EventProducer(producer_config(bootstrap, ProducerTuning()), topic)
    producer.connect(30, settle_s=1.0)
    started = time.perf_counter()
    for raw in raws:
        event = validate_json_event(raw)
        producer.send_message(encode(event))  # type: ignore[arg-type]
    left = producer.flush(60)
    elapsed = time.perf_counter() - started
    if left:
        raise RuntimeError(f"{left} events were not acknowledged by the bare producer")
    return count / elapsed


def bare_latency(bootstrap: str, topic: str, *, events_per_s: float, seconds: float) -> LoadResult:
    """Batches of 100 through the core producer alone at a fixed rate, as the API sends
    them (idempotent, acks=all, the API's 5 ms linger): how long each batch waits for
    its last acknowledgement (p50/p99 ms). It is the floor the HTTP latency at the same
    load stands on: what the broker and the shared cores cost without HTTP, validation
    or the event loop."""
    raws = page_views(BATCH)
    messages = [encode(validate_json_event(raw)) for raw in raws]  # type: ignore[arg-type]
    producer = EventProducer(producer_config(bootstrap, ProducerTuning(linger_ms=5.0)), topic)
    producer.connect(30, settle_s=1.0)
    waits: list[float] = []
    open_batches: dict[int, list[float]] = {}

    def tracker(batch: int) -> Callable[[Any, Any], None]:
        def on_delivery(err: Any, _msg: Any) -> None:
            left_and_start = open_batches[batch]
            left_and_start[0] -= 1
            if left_and_start[0] == 0 and err is None:
                waits.append((time.perf_counter() - left_and_start[1]) * 1000)
                del open_batches[batch]

        return on_delivery

    interval = BATCH / events_per_s
    started = time.perf_counter()
    batches = int(seconds / interval)
    for batch in range(batches):
        due = started + batch * interval
        while (now := time.perf_counter()) < due:
            producer.poll(0)
            time.sleep(min(0.0005, due - now))
        open_batches[batch] = [float(BATCH), time.perf_counter()]
        producer.send_all_tracked(messages, tracker(batch))
    while open_batches and time.perf_counter() - started < seconds + 30:
        producer.poll(0.001)
    producer.flush(10)
    if not waits:
        raise RuntimeError("the bare producer had no batch acknowledged")
    return LoadResult(
        events_per_s=len(waits) * BATCH / seconds,
        p50_ms=percentile(waits, 0.5),
        p99_ms=percentile(waits, 0.99),
        requests=batches,
        failures=batches - len(waits),
    )
