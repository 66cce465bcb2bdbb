"""Pure parts of eventtide.devstack.kafka: config rendering, versions, ids, progress."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from eventtide.devstack import kafka
from eventtide.devstack.cache import repo_root
from eventtide.devstack.errors import InfraError

pytestmark = pytest.mark.unit


def test_constant_matches_pom() -> None:
    assert kafka.pom_kafka_version(repo_root() / "tools" / "kafka" / "pom.xml") == (
        kafka.KAFKA_VERSION
    )


def test_pom_without_version_is_an_infra_error(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text("<project><properties></properties></project>")
    with pytest.raises(InfraError, match=r"kafka\.version"):
        kafka.pom_kafka_version(pom)


def test_log4j_config_ships_next_to_pom() -> None:
    assert (repo_root() / "tools" / "kafka" / "log4j2.xml").is_file()


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_402"', 8),
        ('openjdk version "11.0.2" 2019-01-15', 11),
        ("bash: java: command not found", None),
    ],
)
def test_parse_java_major(output: str, major: int | None) -> None:
    assert kafka.parse_java_major(output) == major


def test_server_properties_single_node_kraft() -> None:
    text = kafka.render_server_properties(port=19092, controller_port=19093, log_dir=Path("/d"))
    props = kafka.parse_properties(text)
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert props["controller.listener.names"] == "CONTROLLER"
    assert props["inter.broker.listener.name"] == "PLAINTEXT"
    assert props["log.dirs"] == "/d"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
        "share.coordinator.state.topic.replication.factor",
        "share.coordinator.state.topic.min.isr",
        "default.replication.factor",
        "min.insync.replicas",
    ):
        assert props[key] == "1", key


def test_server_properties_overrides_win() -> None:
    text = kafka.render_server_properties(
        port=1, controller_port=2, log_dir=Path("/d"), overrides={"num.partitions": "3"}
    )
    assert kafka.parse_properties(text)["num.partitions"] == "3"
    assert text.count("\nnum.partitions=") == 1


def test_parse_properties_skips_comments_and_blanks() -> None:
    assert kafka.parse_properties("# c\n! c\n\n a = b \nnot-a-pair\nx=y=z\n") == {
        "a": "b",
        "x": "y=z",
    }


def test_cluster_ids_look_like_kafka_uuids() -> None:
    ids = {kafka.random_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    for cluster_id in ids:
        assert len(cluster_id) == 22
        assert not cluster_id.startswith("-")
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_java_string_hash_matches_java() -> None:
    assert kafka.java_string_hash("") == 0
    assert kafka.java_string_hash("hello") == 99162322
    assert kafka.java_string_hash("polygenelubricants") == -(2**31)


def test_offsets_partition_for_handles_min_int() -> None:
    assert kafka.offsets_partition_for("polygenelubricants", 10) == 0
    assert 0 <= kafka.offsets_partition_for("any-group", 7) < 7


def test_warmup_groups_cover_every_offsets_partition() -> None:
    names = kafka.warmup_group_ids(10)
    assert [kafka.offsets_partition_for(name, 10) for name in names] == list(range(10))


def test_maven_progress_counts_downloads() -> None:
    progress = kafka.maven_progress(every=2)
    line = "[INFO] Downloaded from central: https://repo.maven.apache.org/x.jar (1 kB at 2 kB/s)\n"
    assert progress("[INFO] Downloading from central: https://x\n") is None
    assert progress(line) is None
    assert progress(line) == "Downloaded 2 artifacts"
    status = progress("[INFO] --- maven-dependency-plugin:3.8.1:copy-dependencies (default-cli)")
    assert status == "Downloaded 2 artifacts; resolving Kafka's dependencies"
    assert progress("[INFO] --- maven-dependency-plugin:3.8.1:copy-dependencies again") is None
    assert progress("[INFO] Copying kafka-clients-4.1.2.jar to lib/copy-dependencies.jar") is None


def test_heap_opts_default_and_override() -> None:
    assert kafka.heap_opts({}) == kafka.DEFAULT_HEAP_OPTS
    assert kafka.heap_opts({"KAFKA_HEAP_OPTS": "-Xms1g -Xmx2g"}) == ("-Xms1g", "-Xmx2g")


def test_java_command_uses_classpath_wildcard() -> None:
    command = kafka.java_command(
        Path("/lib"), jvm_opts=("-Xmx1g",), main="kafka.Kafka", args=["s.properties"]
    )
    assert command[1:] == ["-Xmx1g", "-cp", "/lib/*", "kafka.Kafka", "s.properties"]


def test_unset_bootstrap_means_no_external(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    assert kafka.external_endpoint() is None
