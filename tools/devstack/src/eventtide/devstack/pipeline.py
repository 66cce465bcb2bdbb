"""``eventtide dev run``: the whole pipeline on this machine, with a live view.

Kafka is started locally (or taken from ``KAFKA_BOOTSTRAP_SERVERS``); the database is
``DATABASE_URL`` when set, else a fresh SQLite file under ``.eventtide/run/``. It is
migrated, then ``eventtide produce`` and ``eventtide consume`` run as child processes:
services are run, never imported. With a count, the run ends by itself once every
event is stored (or dead-lettered) and prints a summary.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from rich.console import Console
from rich.live import Live
from sqlalchemy import Engine

from eventtide.core.db import make_engine, stats_differences
from eventtide.core.db.overview import overview
from eventtide.core.defaults import CONSUMER_GROUP, DLQ_TOPIC, EVENTS_TOPIC
from eventtide.core.kafka.logs import with_logger
from eventtide.core.settings import CoreSettings
from eventtide.devstack.pipeline_view import Snapshot, rates, view
from eventtide.devstack.settings import DevstackSettings
from eventtide.devstack.stack import client_environment, running

RUN_DIR = Path(DevstackSettings().run_dir)
"""Logs and the SQLite file of a run; tests point it elsewhere so a developer's run is safe."""
GROUP = CONSUMER_GROUP
PARTITIONS = 6
CLI = str(Path(sys.executable).parent / "eventtide")


@dataclass
class Pipeline:
    """The child processes and where they write."""

    producer: subprocess.Popen[bytes]
    consumer: subprocess.Popen[bytes]
    logs: list[IO[bytes]]


def database_url() -> str:
    """``DATABASE_URL`` if set, else a new SQLite file (an old one is removed first)."""
    given = DevstackSettings().database_url or None
    if given:
        return given
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    path = (RUN_DIR / "eventtide.db").resolve()
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def ensure_topics(bootstrap: str, names: list[str]) -> None:
    """Create the topics if missing (the broker may not auto-create with enough partitions)."""
    admin = AdminClient(with_logger({"bootstrap.servers": bootstrap}))
    existing = set(admin.list_topics(timeout=CoreSettings().kafka_connect_timeout_s).topics)
    wanted = [NewTopic(name, PARTITIONS, 1) for name in names if name not in existing]
    for future in admin.create_topics(wanted).values() if wanted else ():
        future.result(30)


def end_offsets(probe: Any, topic: str) -> int:
    """Messages in the topic: the sum of log-end offsets."""
    return sum(
        probe.get_watermark_offsets(TopicPartition(topic, p), timeout=5, cached=False)[1]
        for p in range(PARTITIONS)
    )


def start(env: dict[str, str], *, events: int | None, rate: float) -> Pipeline:
    """Start the consumer, then the producer, logging to ``.eventtide/run/``."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    consumer_log = (RUN_DIR / "consumer.log").open("wb")
    producer_log = (RUN_DIR / "producer.log").open("wb")
    # Own sessions: Ctrl-C reaches only this runner, which then stops each child once,
    # in order (a second signal would make the producer exit without flushing).
    consumer = subprocess.Popen(
        [CLI, "consume", "--group", GROUP, "--json"], env=env, stdout=consumer_log,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    command = [CLI, "produce", "--rate", str(rate), "--json"]
    if events is not None:
        command += ["--events", str(events)]
    producer = subprocess.Popen(
        command, env=env, stdout=producer_log, stderr=subprocess.STDOUT, start_new_session=True
    )
    return Pipeline(producer, consumer, [consumer_log, producer_log])


def stop(pipeline: Pipeline, console: Console) -> None:
    """SIGTERM both children (producer first), wait for each, close the logs."""
    for name, proc in (("producer", pipeline.producer), ("consumer", pipeline.consumer)):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(40)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        if code not in (0, -signal.SIGTERM):
            console.print(f"[yellow]{name} exited with {code}; see {RUN_DIR / (name + '.log')}[/]")
    for log in pipeline.logs:
        log.close()


def snapshot(engine: Engine, probe: Any, topic: str) -> Snapshot:
    """The pipeline now."""
    with engine.connect() as conn:
        database = overview(conn, group_id=GROUP, topic=topic)
    return Snapshot(time.monotonic(), end_offsets(probe, topic), database)


def run_pipeline(*, events: int | None, rate: float, console: Console) -> int:
    """Run until Ctrl-C/SIGTERM, or until ``events`` are stored; returns the exit code."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    CoreSettings()  # a wrong Kafka setting is reported now, not after Kafka has started
    url = database_url()
    names = [] if DevstackSettings().kafka_bootstrap_servers else ["kafka"]
    with running(names) as endpoints:
        env = {**os.environ, **client_environment(endpoints), "DATABASE_URL": url}
        bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
        topic = env.get("EVENTTIDE_EVENTS_TOPIC", EVENTS_TOPIC)
        ensure_topics(bootstrap, [topic, env.get("EVENTTIDE_DLQ_TOPIC", DLQ_TOPIC)])
        subprocess.run([CLI, "db", "upgrade"], env=env, check=True)
        console.print(f"database: {url}\nkafka: {bootstrap}\nlogs: {RUN_DIR}/")
        engine = make_engine(url)
        probe = Consumer({"bootstrap.servers": bootstrap, "group.id": "eventtide-dev-run-view"})
        pipeline = start(env, events=events, rate=rate)
        started = time.monotonic()
        done = False
        try:
            previous = snapshot(engine, probe, topic)
            with Live(console=console, refresh_per_second=1) as live:
                while not done:
                    time.sleep(1.0)
                    now = snapshot(engine, probe, topic)
                    elapsed = time.monotonic() - started
                    live.update(view(now, rates(previous, now), elapsed_s=elapsed, target=events))
                    previous = now
                    handled = now.database.stored + now.database.dead_letters
                    done = events is not None and handled >= events
                    if pipeline.consumer.poll() is not None:
                        console.print(f"[red]the consumer stopped; see {RUN_DIR}/consumer.log[/]")
                        break
        except KeyboardInterrupt:
            pass
        finally:
            stop(pipeline, console)
            final = snapshot(engine, probe, topic) if done else None
            probe.close()
        with engine.connect() as conn:
            problems = stats_differences(conn) if done else []
        engine.dispose()
    if not console.is_terminal:
        console.line()  # a live view written to a file or pipe ends without a newline
    if final is not None:
        seconds = time.monotonic() - started
        console.print(
            f"stored {final.database.stored:,} events and {final.database.dead_letters:,} dead "
            f"letters in {seconds:.1f}s ({final.database.stored / seconds:,.0f} events/s end to "
            f"end); user_stats {'equals' if not problems else 'DIFFERS from'} a recomputation"
        )
        return 1 if problems else 0
    console.print("stopped; nothing is left running")
    return 0
