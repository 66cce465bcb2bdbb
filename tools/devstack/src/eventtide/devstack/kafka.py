"""A real Apache Kafka broker (KRaft, single node) from Maven Central jars and Java 17.

There is no Docker on developer or CI machines, so the broker is the genuine article:
``tools/kafka/pom.xml`` names the jars, Maven copies them into the cache once, and each
start formats a fresh log directory and runs ``kafka.Kafka`` with combined broker and
controller roles on free loopback ports. Tests can stop and resume the same broker (same
ports, same data) to rehearse outages.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Final

from confluent_kafka.admin import AdminClient

from eventtide.core.kafka.logs import with_logger
from eventtide.devstack.cache import build_lock, cache_dir, repo_root
from eventtide.devstack.endpoint import Endpoint
from eventtide.devstack.errors import InfraError
from eventtide.devstack.kafka_listeners import (
    SecureListeners,
    broker_properties,
    endpoint_details,
    format_arguments,
)
from eventtide.devstack.kafka_listeners import prepare as prepare_listeners
from eventtide.devstack.ports import LOOPBACK, free_port, is_listening
from eventtide.devstack.procs import log, log_tail, run_step, start_server, stop_pid, wait_gone
from eventtide.devstack.settings import DevstackSettings

KAFKA_VERSION: Final = "4.1.2"
"""The broker version; must equal ``<kafka.version>`` in tools/kafka/pom.xml (a unit test
and :func:`ensure_built` both check), so the cache folder is named after what it holds."""

JAVA_MIN_MAJOR: Final = 17
"""Kafka 4.x brokers refuse older Java runtimes."""

DEFAULT_HEAP_OPTS: Final = ("-Xms256m", "-Xmx1g")
"""Heap for a dev/test broker on a 2-core, 24 GiB box; ``KAFKA_HEAP_OPTS`` overrides it,
as it does for Kafka's own start scripts."""

JVM_OPTS: Final = (
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)
"""Kafka's own ``kafka-run-class.sh`` defaults, plus exiting on OOM so a test sees a dead
broker instead of a wedged one."""

TOOL_JVM_OPTS: Final = ("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
"""Short-lived tools (StorageTool) start faster with the C1 compiler and a small heap."""

START_TIMEOUT_SECONDS: Final = 180.0
"""Generous: on a loaded 2-core CI machine the JVM alone can take half a minute."""

_MARKER = "lib.complete"
_SERVER_PROPERTIES = "server.properties"
_LOG4J_CONFIG = "log4j2.xml"
_LOG_FILE = "kafka.log"


# --------------------------------------------------------------------------- pure helpers


def pom_path() -> Path:
    """The Maven project that lists the broker's jars."""
    return repo_root() / "tools" / "kafka" / "pom.xml"


def pom_kafka_version(pom: Path) -> str:
    """``<kafka.version>`` from the pom, so the Python constant cannot drift from it.

    A regular expression rather than an XML parser: the pom is our own file and the
    property is one line, and it keeps untrusted-XML concerns out of the picture.
    """
    match = re.search(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", pom.read_text())
    if match is None:
        raise InfraError(f"{pom} has no <properties><kafka.version>; it must name the broker")
    return match.group(1)


def parse_java_major(version_output: str) -> int | None:
    """The major version from ``java -version`` output (``1.8.0_x`` counts as 8)."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2) is not None:
        return int(match.group(2))
    return major


def random_cluster_id() -> str:
    """A KRaft cluster id in Kafka's ``Uuid`` text form: 16 random bytes, URL-safe base64.

    Generated here instead of by ``StorageTool random-uuid``, which costs a JVM start.
    Like Kafka's ``Uuid.randomUuid`` it never starts with ``-`` (command lines would read
    it as an option) and is never the reserved all-zero or metadata-topic id.
    """
    while True:
        raw = secrets.token_bytes(16)
        if raw in (bytes(16), bytes(15) + b"\x01"):
            continue
        text = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
        if not text.startswith("-"):
            return text


def render_server_properties(
    *,
    port: int,
    controller_port: int,
    log_dir: Path,
    secure: SecureListeners | None = None,
    overrides: Mapping[str, str] | None = None,
) -> str:
    """``server.properties`` for a single combined broker+controller on loopback.

    Replication is 1 everywhere (there is one node), and the internal topics get fewer
    partitions than the production defaults of 50 because creating them is most of a
    consumer group's first-join latency on a small machine. Rebalances start at once
    (``group.initial.rebalance.delay.ms=0``) and short session timeouts are allowed, so
    tests that join groups or kill consumers do not wait out production-sized delays.
    With ``secure``, TLS and SCRAM-over-TLS listeners are added next to the plain one.
    """
    settings: dict[str, str] = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{LOOPBACK}:{controller_port}",
        "listeners": f"PLAINTEXT://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{LOOPBACK}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(log_dir),
        "num.partitions": "6",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "auto.create.topics.enable": "true",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "10",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "share.coordinator.state.topic.num.partitions": "10",
        "group.initial.rebalance.delay.ms": "0",
        "group.min.session.timeout.ms": "1000",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "num.recovery.threads.per.data.dir": "1",
        "log.cleaner.dedupe.buffer.size": str(16 * 1024 * 1024),
        "log.retention.hours": "24",
        "log.segment.bytes": str(256 * 1024 * 1024),
    }
    if secure is not None:
        extra = broker_properties(secure)
        settings["advertised.listeners"] += "," + extra["listeners"]
        for key in ("listeners", "listener.security.protocol.map"):
            settings[key] += "," + extra.pop(key)
        settings.update(extra)
    settings.update(overrides or {})
    header = "# Written by eventtide.devstack.kafka for a local dev/test broker.\n"
    return header + "".join(f"{key}={value}\n" for key, value in settings.items())


def java_string_hash(text: str) -> int:
    """Java's ``String.hashCode`` (32-bit, signed) for text in the Basic Multilingual Plane."""
    value = 0
    for char in text:
        value = (31 * value + ord(char)) & 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def offsets_partition_for(group_id: str, partitions: int) -> int:
    """The ``__consumer_offsets`` partition (hence coordinator shard) owning a group.

    Kafka's ``Utils.abs(groupId.hashCode()) % partitions``.
    """
    code = java_string_hash(group_id)
    return (0 if code == -(1 << 31) else abs(code)) % partitions


def warmup_group_ids(partitions: int, prefix: str = "eventtide-warmup-") -> list[str]:
    """One group name per ``__consumer_offsets`` partition, so describing them all makes
    the broker create and load every coordinator shard."""
    chosen: dict[int, str] = {}
    index = 0
    while len(chosen) < partitions:
        name = f"{prefix}{index}"
        chosen.setdefault(offsets_partition_for(name, partitions), name)
        index += 1
    return [chosen[partition] for partition in range(partitions)]


def parse_properties(text: str) -> dict[str, str]:
    """The key/value pairs of a simple ``.properties`` file (no continuations or escapes)."""
    result: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "!")) or "=" not in stripped:
            continue
        key, _, value = stripped.partition("=")
        result[key.strip()] = value.strip()
    return result


def maven_progress(every: int = 50) -> Callable[[str], str | None]:
    """A ``run_step`` progress callback that counts Maven's ``Downloaded from`` lines.

    A cold resolution fetches ~340 files (plugins, poms, jars); reporting every ``every``
    downloads shows it moving without echoing Maven's whole transfer log.
    """
    count = 0
    plugin_started = False

    def progress(line: str) -> str | None:
        nonlocal count, plugin_started
        if "Downloaded from" in line:
            count += 1
            if count % every == 0:
                return f"Downloaded {count} artifacts"
        elif (
            not plugin_started
            and "copy-dependencies" in line
            and line.removeprefix("[INFO] ").startswith("---")
        ):
            plugin_started = True
            return f"Downloaded {count} artifacts; resolving Kafka's dependencies"
        return None

    return progress


def java_command(lib: Path, *, jvm_opts: tuple[str, ...], main: str, args: list[str]) -> list[str]:
    """``java <opts> -cp '<lib>/*' <main> <args>``; Java expands the wildcard itself."""
    return [_java_binary(), *jvm_opts, "-cp", f"{lib}/*", main, *args]


def heap_opts(environ: Mapping[str, str]) -> tuple[str, ...]:
    """Heap flags: ``KAFKA_HEAP_OPTS`` when set (as Kafka's scripts honour it), else ours."""
    configured = environ.get("KAFKA_HEAP_OPTS", "").split()
    return tuple(configured) if configured else DEFAULT_HEAP_OPTS


# --------------------------------------------------------------------------- toolchain


def _java_binary() -> str:
    java_home = DevstackSettings().java_home
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    return shutil.which("java") or "java"


def check_java() -> int:
    """The Java major version, or an InfraError saying how to get Java 17."""
    hint = (
        f"Kafka {KAFKA_VERSION} needs Java {JAVA_MIN_MAJOR} or newer: install it with "
        "`sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) and make sure "
        "`java` is on PATH or JAVA_HOME points at it"
    )
    java = _java_binary()
    if shutil.which(java) is None:
        raise InfraError(f"`java` was not found. {hint}.")
    try:
        result = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise InfraError(f"`{java} -version` failed: {error}. {hint}.") from error
    major = parse_java_major(result.stderr + result.stdout)
    if major is None or major < JAVA_MIN_MAJOR:
        found = (result.stderr or result.stdout).strip().splitlines()[:1]
        raise InfraError(f"{java} is {found[0] if found else 'unknown'}. {hint}.")
    return major


def _pom_digest(pom: Path) -> str:
    return hashlib.sha256(pom.read_bytes()).hexdigest()


def ensure_built() -> Path:
    """The folder holding every broker jar, resolved by Maven on first use.

    The folder counts as complete only when the marker written after the copy holds the
    digest of the current pom, so an interrupted download or an edited pom (say a log4j
    bump) triggers a fresh copy. Artifacts go to a Maven repository inside the eventtide
    cache, keeping ``~/.m2`` untouched and a cache wipe a true cold start.
    """
    check_java()
    pom = pom_path()
    declared = pom_kafka_version(pom)
    if declared != KAFKA_VERSION:
        raise InfraError(
            f"{pom} pins Kafka {declared} but eventtide.devstack.kafka.KAFKA_VERSION is "
            f"{KAFKA_VERSION}; update both together"
        )
    home = cache_dir("kafka", KAFKA_VERSION)
    lib = cache_dir("kafka", KAFKA_VERSION, "lib")
    marker = home / _MARKER
    digest = _pom_digest(pom)
    if marker.exists() and marker.read_text().strip() == digest:
        return lib
    with build_lock(home):
        if marker.exists() and marker.read_text().strip() == digest:
            return lib
        mvn = shutil.which("mvn")
        if mvn is None:
            raise InfraError(
                "Maven (`mvn`) is needed once to fetch the Kafka jars from Maven Central: "
                "install it with `sudo apt-get install -y maven`"
            )
        marker.unlink(missing_ok=True)
        shutil.rmtree(lib, ignore_errors=True)
        lib.mkdir(parents=True)
        run_step(
            f"Resolving Kafka {KAFKA_VERSION} jars with Maven",
            [
                mvn,
                "-B",
                "-f",
                pom,
                f"-Dmaven.repo.local={cache_dir('maven', 'repository')}",
                "dependency:copy-dependencies",
                f"-DoutputDirectory={lib}",
            ],
            cwd=pom.parent,
            progress=maven_progress(),
        )
        if not any(lib.glob("kafka_2.13-*.jar")):
            raise InfraError(f"Maven finished but {lib} holds no kafka_2.13 jar")
        marker.write_text(digest + "\n")
    return lib


# --------------------------------------------------------------------------- clients


def describe_cluster(bootstrap: str, *, timeout: float) -> str:
    """The cluster id, through the Admin API: proof the broker serves requests."""
    admin = AdminClient(
        with_logger(
            {
                "bootstrap.servers": bootstrap,
                "socket.timeout.ms": int(timeout * 1000),
                "socket.connection.setup.timeout.ms": int(timeout * 1000),
                # Only errors: a readiness probe that gives up on a request is not news.
                "log_level": 3,
            }
        )
    )
    future = admin.describe_cluster(request_timeout=timeout)
    description = future.result(timeout=timeout + 5)
    if not description.nodes:
        raise InfraError(f"Kafka at {bootstrap} answered but lists no brokers yet")
    return str(description.cluster_id)


def warm_group_coordinator(bootstrap: str, *, partitions: int, timeout: float) -> None:
    """Create and load every ``__consumer_offsets`` shard before anyone reads group offsets.

    The broker creates the offsets topic lazily, on the first group lookup, and answers
    NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS while its partitions load. librdkafka
    (through 2.16 at least) crashes the whole process with SIGSEGV when the Admin API's
    ListConsumerGroupOffsets gets such an answer (confluentinc/librdkafka#5040), which is
    exactly what a lag check right after start does. Describing one group per shard
    until all answer cleanly takes that window away for our own brokers.
    """
    admin = AdminClient(with_logger({"bootstrap.servers": bootstrap, "log_level": 3}))
    pending = warmup_group_ids(partitions)
    deadline = time.monotonic() + timeout
    last_error = ""
    while pending:
        futures = admin.describe_consumer_groups(pending, request_timeout=10)
        still: list[str] = []
        for group, future in futures.items():
            try:
                future.result(timeout=15)
            except Exception as error:
                still.append(group)
                last_error = str(error)
        pending = still
        if pending:
            if time.monotonic() > deadline:
                raise InfraError(
                    f"Kafka at {bootstrap}: group coordinator not ready after {timeout:.0f}s "
                    f"({len(pending)} offsets partitions pending; {last_error})"
                )
            time.sleep(0.25)


def external_endpoint() -> Endpoint | None:
    """The broker named by ``KAFKA_BOOTSTRAP_SERVERS``, checked; None when unset.

    Set but unreachable is an error, not a reason to start a local broker: the user asked
    for that cluster, and silently testing something else would hide the problem.
    """
    bootstrap = DevstackSettings().kafka_bootstrap_servers.strip()
    if not bootstrap:
        return None
    try:
        cluster_id = describe_cluster(bootstrap, timeout=10.0)
    except Exception as error:
        raise InfraError(
            f"KAFKA_BOOTSTRAP_SERVERS={bootstrap} is set but its Admin API did not answer "
            f"within 10s ({error}); start that cluster or unset the variable to let "
            "eventtide.devstack run a local broker"
        ) from error
    return Endpoint(
        name="kafka",
        address=bootstrap,
        version="external",
        external=True,
        details={"cluster_id": cluster_id},
    )


# --------------------------------------------------------------------------- servers


def _launch(workdir: Path, lib: Path, *, tied_to_parent: bool) -> subprocess.Popen[bytes]:
    command = java_command(
        lib,
        jvm_opts=(
            *heap_opts({"KAFKA_HEAP_OPTS": DevstackSettings().kafka_heap_opts}),
            *JVM_OPTS,
            f"-Dlog4j2.configurationFile={workdir / _LOG4J_CONFIG}",
        ),
        main="kafka.Kafka",
        args=[str(workdir / _SERVER_PROPERTIES)],
    )
    return start_server(
        command, log_file=workdir / _LOG_FILE, cwd=workdir, tied_to_parent=tied_to_parent
    )


def _wait_ready(
    proc: subprocess.Popen[bytes], bootstrap: str, port: int, log_file: Path, timeout: float
) -> str:
    """Block until the Admin API describes the cluster; the cluster id on success."""
    deadline = time.monotonic() + timeout
    last_error = "broker port never opened"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise InfraError(
                f"Kafka {KAFKA_VERSION} exited with code {proc.returncode} while starting; "
                f"last lines of {log_file}:\n{log_tail(log_file, 40)}"
            )
        # Probe the port first: librdkafka logs every refused connection to stderr.
        if is_listening(LOOPBACK, port):
            try:
                return describe_cluster(bootstrap, timeout=5.0)
            except Exception as error:
                last_error = str(error)
        time.sleep(0.25)
    stop_pid(proc.pid)
    raise InfraError(
        f"Kafka {KAFKA_VERSION} did not answer the Admin API within {timeout:.0f}s "
        f"({last_error}); last lines of {log_file}:\n{log_tail(log_file, 40)}"
    )


def _warm(proc: subprocess.Popen[bytes], bootstrap: str, properties: Path, log_file: Path) -> None:
    partitions = int(
        parse_properties(properties.read_text()).get("offsets.topic.num.partitions", "50")
    )
    try:
        warm_group_coordinator(bootstrap, partitions=partitions, timeout=START_TIMEOUT_SECONDS)
    except InfraError as error:
        stop_pid(proc.pid)
        raise InfraError(f"{error}; last lines of {log_file}:\n{log_tail(log_file, 40)}") from error


def start(workdir: Path, *, tied_to_parent: bool) -> Endpoint:
    """Format a fresh KRaft log directory in ``workdir`` and start a broker on it.

    Ready means the Admin API describes the cluster, not merely that the port is open:
    the broker accepts connections a moment before it is unfenced and can serve requests.
    The group coordinator is warmed up too (see :func:`warm_group_coordinator`).
    """
    lib = ensure_built()
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    controller_port = free_port()
    while controller_port == port:
        controller_port = free_port()
    secure = prepare_listeners(workdir / "tls", taken={port, controller_port})
    properties = workdir / _SERVER_PROPERTIES
    properties.write_text(
        render_server_properties(
            port=port, controller_port=controller_port, log_dir=workdir / "data", secure=secure
        )
    )
    shutil.copyfile(pom_path().parent / _LOG4J_CONFIG, workdir / _LOG4J_CONFIG)
    cluster_id = random_cluster_id()
    started = time.monotonic()
    fmt = subprocess.run(
        java_command(
            lib,
            jvm_opts=(*TOOL_JVM_OPTS, f"-Dlog4j2.configurationFile={workdir / _LOG4J_CONFIG}"),
            main="kafka.tools.StorageTool",
            args=["format", "-t", cluster_id, "-c", str(properties), *format_arguments(secure)],
        ),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_SECONDS,
        check=False,
    )
    if fmt.returncode != 0:
        raise InfraError(
            f"Kafka StorageTool format failed (exit {fmt.returncode}):\n"
            f"{(fmt.stdout + fmt.stderr)[-4000:]}"
        )
    formatted = time.monotonic()
    log_file = workdir / _LOG_FILE
    proc = _launch(workdir, lib, tied_to_parent=tied_to_parent)
    bootstrap = f"{LOOPBACK}:{port}"
    _wait_ready(proc, bootstrap, port, log_file, START_TIMEOUT_SECONDS)
    _warm(proc, bootstrap, properties, log_file)
    ready = time.monotonic()
    log(
        f"Kafka {KAFKA_VERSION} on {bootstrap}: formatted in {formatted - started:.1f}s, "
        f"started in {ready - formatted:.1f}s"
    )
    return Endpoint(
        name="kafka",
        address=bootstrap,
        version=KAFKA_VERSION,
        pids=(proc.pid,),
        workdir=str(workdir),
        details={
            "cluster_id": cluster_id,
            "controller_port": str(controller_port),
            "log_file": str(log_file),
            "lib": str(lib),
            "tied_to_parent": str(tied_to_parent).lower(),
            "format_seconds": f"{formatted - started:.1f}",
            "start_seconds": f"{ready - formatted:.1f}",
            **endpoint_details(secure),
        },
    )


def stop(endpoint: Endpoint, *, hard: bool = False) -> None:
    """Stop the broker but keep its data, so :func:`resume` can bring it back.

    ``hard`` kills it with SIGKILL (a crash: no controlled shutdown, log recovery on the
    next start); otherwise SIGTERM lets it shut down cleanly first.
    """
    if endpoint.external:
        raise InfraError(f"refusing to stop external Kafka {endpoint.address}")
    for pid in endpoint.pids:
        if hard:
            with suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        else:
            stop_pid(pid, grace_seconds=30.0)
        if not wait_gone(pid, timeout=10.0):
            raise InfraError(f"Kafka (pid {pid}) did not exit after being stopped")


def resume(endpoint: Endpoint, *, tied_to_parent: bool | None = None) -> Endpoint:
    """Start a stopped broker again on the same ports and data; the new endpoint.

    The address is unchanged, so clients configured with it reconnect by themselves.
    ``tied_to_parent`` defaults to what the original start used.
    """
    if endpoint.external or not endpoint.workdir:
        raise InfraError(f"cannot resume Kafka {endpoint.address}: it was not started here")
    workdir = Path(endpoint.workdir)
    port = int(endpoint.address.rsplit(":", 1)[1])
    if is_listening(LOOPBACK, port):
        raise InfraError(f"cannot resume Kafka: {endpoint.address} is still in use")
    tied = endpoint.details.get("tied_to_parent", "true") == "true"
    if tied_to_parent is not None:
        tied = tied_to_parent
    lib = Path(endpoint.details.get("lib") or ensure_built())
    started = time.monotonic()
    proc = _launch(workdir, lib, tied_to_parent=tied)
    _wait_ready(proc, endpoint.address, port, workdir / _LOG_FILE, START_TIMEOUT_SECONDS)
    _warm(proc, endpoint.address, workdir / _SERVER_PROPERTIES, workdir / _LOG_FILE)
    seconds = time.monotonic() - started
    log(f"Kafka {KAFKA_VERSION} on {endpoint.address}: resumed in {seconds:.1f}s")
    return replace(
        endpoint,
        pids=(proc.pid,),
        details={
            **endpoint.details,
            "tied_to_parent": str(tied).lower(),
            "start_seconds": f"{seconds:.1f}",
        },
    )
