"""The Strimzi CRD generation plan: pure parts (pom pin, generator arguments)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventtide.devstack import strimzi
from eventtide.devstack.errors import InfraError

pytestmark = pytest.mark.unit


def test_pom_pins_a_strimzi_version_serving_v1() -> None:
    version = strimzi.pom_strimzi_version(strimzi.pom_path())
    major, minor = (int(part) for part in version.split(".")[:2])
    assert (major, minor) >= (0, 49), "kafka.strimzi.io/v1 arrived in Strimzi 0.49"


def test_pom_without_version_is_an_error(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text("<project></project>")
    with pytest.raises(InfraError, match=r"strimzi\.version"):
        strimzi.pom_strimzi_version(pom)


def test_generator_command_asks_for_v1_of_our_three_kinds(tmp_path: Path) -> None:
    command = strimzi.generator_command("java", tmp_path / "lib", tmp_path / "out")
    assert command[:4] == ["java", "-cp", f"{tmp_path / 'lib'}/*", strimzi.GENERATOR_MAIN]
    assert command[command.index("--api-versions") + 1] == "v1"
    assert command[command.index("--storage-version") + 1] == "v1"
    targets = dict(arg.split("=", 1) for arg in command if "=" in arg)
    assert set(targets) == {
        "io.strimzi.api.kafka.model.kafka.Kafka",
        "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
        "io.strimzi.api.kafka.model.topic.KafkaTopic",
    }
    assert targets["io.strimzi.api.kafka.model.kafka.Kafka"].endswith(
        "kafkas.kafka.strimzi.io.yaml"
    )
