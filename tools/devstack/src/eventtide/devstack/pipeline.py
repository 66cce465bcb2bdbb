"""``eventtide dev run``: the whole pipeline on this machine, with a live view.

Kafka and PostgreSQL are started locally (or taken from ``KAFKA_BOOTSTRAP_SERVERS`` and
``DATABASE_URL``). The database is migrated, then every service of
:data:`~eventtide.devstack.pipeline_services.SERVICES` runs as a child process (the API,
the consumer, the processor, the dead-letter consumer, the ML scorer), and the generator
last, sending through the API's ``POST /v1/events`` as an application would.
The API's address, a key for it and the dashboard's live overview are printed; the view
shows events in and stored per second, lag, sessions open, alerts and dead letters. With
a count, the run ends by itself once every event is stored (or the generator is done and
nothing is left to read), the processor and the dead-letter consumer have read
everything, and prints a summary with the analytics answers.

PostgreSQL, not SQLite: the processor's tables and the analytics answers (funnels,
medians) are PostgreSQL's work, and a developer should see the production database's
behaviour. SQLite stays for the consumer's storage path alone (see docs/decisions).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from rich.console import Console
from rich.live import Live
from sqlalchemy import Engine

from eventtide.core.cli import leaf_commands
from eventtide.core.db import is_sqlite, make_engine, stats_differences
from eventtide.core.db.overview import overview
from eventtide.core.db.queries.run_summary import activity, run_answers
from eventtide.core.db.settings import check_database_url
from eventtide.core.defaults import CONSUMER_GROUP, DLQ_TOPIC, EVENTS_TOPIC
from eventtide.core.errors import ConfigError
from eventtide.core.kafka.logs import with_logger
from eventtide.core.settings import CoreSettings
from eventtide.devstack.errors import InfraError
from eventtide.devstack.pipeline_services import (
    DLQ_GROUP,
    PROCESSOR_GROUP,
    SERVICES,
    Service,
    generator,
    installed,
)
from eventtide.devstack.pipeline_view import Rates, Snapshot, answers_lines, rates, view
from eventtide.devstack.ports import free_port
from eventtide.devstack.settings import DevstackSettings
from eventtide.devstack.stack import client_environment, running

RUN_DIR = Path(DevstackSettings().run_dir)
"""Logs of a run; tests point it elsewhere so a developer's run is safe."""
PARTITIONS = 6
CLI = str(Path(sys.executable).parent / "eventtide")
API_READY_S = 90.0
CATCH_UP_S = 120.0
"""How long the summary waits for the processor and the dead-letter consumer to catch up."""


@dataclass(frozen=True, slots=True)
class Topics:
    """The run's topics (``EVENTTIDE_EVENTS_TOPIC``, ``EVENTTIDE_DLQ_TOPIC``)."""

    events: str
    dead_letters: str


@dataclass
class Children:
    """The child processes, in start order, and their log files."""

    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: list[IO[bytes]] = field(default_factory=list)
    generator_started: float | None = None
    """When the generator started: the summary's rate counts from here, not from start-up."""

    def start(self, service: Service, env: dict[str, str], **values: str) -> None:
        """Start one service, logging to ``RUN_DIR/<name>.log``, in its own session.

        Own sessions: Ctrl-C reaches only this runner, which then stops each child
        once, in order (a second signal would make the producer exit without flushing).
        """
        log = (RUN_DIR / f"{service.name}.log").open("wb")
        self.logs.append(log)
        self.running[service.name] = subprocess.Popen(
            [CLI, *service.argv(**values)], env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def stopped(self) -> str | None:
        """The first service that ended (the producer may end: it has a count)."""
        for name, proc in self.running.items():
            if name != "producer" and proc.poll() is not None:
                return name
        return None

    def stop(self, console: Console) -> None:
        """SIGTERM the generator first, then the rest in reverse start order."""
        names = list(self.running)
        order = (["producer"] if "producer" in names else []) + [
            name for name in reversed(names) if name != "producer"
        ]
        for name in order:
            proc = self.running[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(40)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
            if code not in (0, -signal.SIGTERM):
                console.print(f"[yellow]{name} exited with {code}; see {RUN_DIR / name}.log[/]")
        for log in self.logs:
            log.close()


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


def snapshot(engine: Engine, probe: Any, topic: str) -> Snapshot:
    """The pipeline now."""
    with engine.connect() as conn:
        database = overview(conn, group_id=CONSUMER_GROUP, topic=topic)
        now = activity(conn)
    return Snapshot(time.monotonic(), end_offsets(probe, topic), database, now)


def processed(engine: Engine, group: str, topic: str) -> int:
    """Messages of ``topic`` the group has checkpointed (its stored next offsets, summed)."""
    with engine.connect() as conn:
        return sum(overview(conn, group_id=group, topic=topic, top=0).stored_offsets.values())


def wait_http(url: str, timeout_s: float, alive: subprocess.Popen[bytes]) -> bool:
    """True once ``url`` answers 200; False if the process ends or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and alive.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False


def serves_html(url: str) -> bool:
    """True when a GET of ``url`` answers 200 with an HTML page."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            kind = response.headers.get_content_type()
            return bool(response.status == 200 and kind == "text/html")
    except (urllib.error.URLError, OSError):
        return False


def api_key(env: dict[str, str]) -> str:
    """A read and ingest key for this run's API (the database is this run's alone)."""
    made = subprocess.run(
        [CLI, "api", "keys", "create", "--name", "dev-run", "--scope", "read", "--scope", "ingest"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        raise InfraError(f"could not create an API key: {made.stderr.strip()[-500:]}")
    return made.stdout.strip().splitlines()[-1]


def databases(settings: DevstackSettings) -> list[str]:
    """What to start: Kafka and PostgreSQL unless the environment names them."""
    given = settings.database_url or None
    if given is not None:
        try:
            check_database_url(given)
        except ValueError as error:
            raise ConfigError("DATABASE_URL", str(error)) from error
    if given is not None and is_sqlite(given):
        raise ConfigError(
            "DATABASE_URL",
            "the whole pipeline needs PostgreSQL (the processor's tables, the analytics "
            "answers); unset DATABASE_URL to start one, or give a postgresql:// URL",
        )
    wanted = {"kafka": settings.kafka_bootstrap_servers, "postgres": given}
    return [name for name, configured in wanted.items() if not configured]


def run_pipeline(*, events: int | None, rate: float, console: Console) -> int:
    """Run until Ctrl-C/SIGTERM, or until ``events`` are stored; returns the exit code."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    CoreSettings()  # a wrong Kafka setting is reported now, not after Kafka has started
    names = databases(DevstackSettings())
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    with running(names) as endpoints:
        env = {**os.environ, **client_environment(endpoints)}
        url, bootstrap = env["DATABASE_URL"], env["KAFKA_BOOTSTRAP_SERVERS"]
        topics = Topics(
            events=env.get("EVENTTIDE_EVENTS_TOPIC", EVENTS_TOPIC),
            dead_letters=env.get("EVENTTIDE_DLQ_TOPIC", DLQ_TOPIC),
        )
        ensure_topics(bootstrap, [topics.events, topics.dead_letters])
        engine = make_engine(url)
        with engine.connect():  # an unreachable database is named before anything starts
            pass
        subprocess.run([CLI, "db", "upgrade"], env=env, check=True)
        probe = Consumer(
            with_logger({"bootstrap.servers": bootstrap, "group.id": "eventtide-dev-run-view"})
        )
        children = Children()
        done = final = None
        try:
            done, final = _serve(children, env, engine, probe, topics, events, rate, console)
        except KeyboardInterrupt:
            pass
        finally:
            children.stop(console)
            probe.close()
        answers = problems = None
        if done:
            with engine.connect() as conn:
                problems = stats_differences(conn)
                answers = run_answers(conn)
        engine.dispose()
    if not console.is_terminal:
        console.line()  # a live view written to a file or pipe ends without a newline
    if final is not None and answers is not None and problems is not None:
        seconds = time.monotonic() - (children.generator_started or time.monotonic())
        console.print(
            f"stored {final.database.stored:,} events and {final.database.dead_letters:,} dead "
            f"letters in {seconds:.1f}s ({final.database.stored / seconds:,.0f} events/s end to "
            f"end); user_stats {'equals' if not problems else 'DIFFERS from'} a recomputation",
            highlight=False,
        )
        for line in answers_lines(answers):
            console.print(line, highlight=False)
        return 1 if problems else 0
    console.print("stopped; nothing is left running")
    return 0 if done is None else 1


def _serve(
    children: Children,
    env: dict[str, str],
    engine: Engine,
    probe: Any,
    topics: Topics,
    events: int | None,
    rate: float,
    console: Console,
) -> tuple[bool, Snapshot | None]:
    """Start the services, then the generator; show the view until done or stopped."""
    port, topic = str(free_port()), topics.events
    for service in installed(SERVICES, leaf_commands()):
        children.start(service, env, api_port=port, dlq_topic=topics.dead_letters)
    api = f"http://127.0.0.1:{port}"
    if not wait_http(f"{api}/healthz", API_READY_S, children.running["api"]):
        raise InfraError(f"the API did not answer on {api}; see {RUN_DIR}/api.log")
    key = api_key(env)
    dashboard = f"{api}/dashboard/overview"
    if serves_html(dashboard):  # the page asks for a key once; the browser keeps it
        dashboard += " (live overview; paste the key above when it asks)"
    else:
        dashboard += f" did not answer with a page; see {RUN_DIR}/api.log"
    console.print(
        f"api: {api} (OpenAPI: {api}/docs) key: {key}\ndashboard: {dashboard}\n"
        f"database: {env['DATABASE_URL']}\nkafka: {env['KAFKA_BOOTSTRAP_SERVERS']}\n"
        f"services: {', '.join(children.running)}; logs: {RUN_DIR}/",
        highlight=False,
        soft_wrap=True,
    )
    # The generator drives the pipeline through the API's door, as applications do.
    through_api = {"EVENTTIDE_PRODUCER_API_URL": api, "EVENTTIDE_PRODUCER_API_KEY": key}
    children.start(generator(rate=rate, events=events), env | through_api)
    started = children.generator_started = time.monotonic()
    previous = snapshot(engine, probe, topic)
    with Live(console=console, refresh_per_second=1) as live:
        while True:
            time.sleep(1.0)
            now = snapshot(engine, probe, topic)
            live.update(
                view(now, rates(previous, now), elapsed_s=time.monotonic() - started, target=events)
            )
            previous = now
            ended = children.stopped()
            if ended is not None:
                console.print(f"[red]the {ended} stopped; see {RUN_DIR}/{ended}.log[/]")
                return False, None
            if events is not None and _all_in(now, rates(previous, now), children, events):
                break
    readers = [(PROCESSOR_GROUP, topic)]
    if "dead-letters" in children.running:
        readers.append((DLQ_GROUP, topics.dead_letters))
    for group, read in readers:
        _wait_for(engine, group, read, end_offsets(probe, read))
    return True, snapshot(engine, probe, topic)


def _all_in(now: Snapshot, rate: Rates, children: Children, events: int) -> bool:
    """Every event stored; or the generator done and nothing left to read (some events
    were refused: the API's refusals are counted once the dead-letter consumer has read
    them, so dead letters cannot stand in for stored events here)."""
    if now.database.stored >= events:
        return True
    generator_done = children.running["producer"].poll() is not None
    return generator_done and rate.lag == 0 and now.produced > 0


def _wait_for(engine: Engine, group: str, topic: str, produced: int) -> None:
    """Give a reader time to checkpoint every message before the summary."""
    deadline = time.monotonic() + CATCH_UP_S
    while processed(engine, group, topic) < produced and time.monotonic() < deadline:
        time.sleep(0.5)
