"""The CRD file: structural, described and defaulted everywhere, with the rules it promises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from eventtide.core.defaults import EVENTS_TOPIC
from eventtide.operator.crd import defaulted_spec, load_crd, spec_schema

pytestmark = pytest.mark.unit


def version() -> dict[str, Any]:
    (only,) = load_crd()["spec"]["versions"]
    return dict(only)


def fields(schema: dict[str, Any], path: str = "spec") -> Iterator[tuple[str, dict[str, Any]]]:
    for name, sub in schema.get("properties", {}).items():
        yield f"{path}.{name}", sub
        yield from fields(sub, f"{path}.{name}")


def test_names_scope_and_short_name():
    crd = load_crd()
    assert crd["metadata"]["name"] == "pipelines.eventtide.io"
    assert crd["spec"]["scope"] == "Namespaced"
    assert crd["spec"]["names"]["shortNames"] == ["pl"]
    assert version()["name"] == "v1alpha1"
    assert version()["subresources"] == {"status": {}}


def test_every_spec_field_has_a_type_description_and_default():
    missing = []
    for path, sub in fields(spec_schema()):
        if "type" not in sub and "x-kubernetes-int-or-string" not in sub:
            missing.append(f"{path}: type")
        if not sub.get("description"):
            missing.append(f"{path}: description")
        if "default" not in sub and path != "spec.kafka":
            missing.append(f"{path}: default")
    assert missing == []


def test_printer_columns():
    columns = [c["name"] for c in version()["additionalPrinterColumns"]]
    assert columns == ["Lag", "Replicas", "Desired", "Proc-Lag", "Proc", "Ready", "Age"]


def test_cel_rules_cover_what_must_hold_together():
    schema = spec_schema()
    messages = [r["message"] for r in schema["x-kubernetes-validations"]]
    consumer = schema["properties"]["consumer"]
    messages += [r["message"] for r in consumer["x-kubernetes-validations"]]
    kafka = schema["properties"]["kafka"]
    messages += [r["message"] for r in kafka["x-kubernetes-validations"]]
    joined = "\n".join(messages)
    assert "consumer.minReplicas must not exceed consumer.maxReplicas" in joined
    assert "must not exceed topic.partitions unless consumer.allowIdleConsumers" in joined
    assert "must be positive" in joined
    assert "exactly one of kafka.bootstrapServers and kafka.strimziCluster" in joined


def test_status_declares_what_the_operator_writes():
    status = version()["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
    for key in (
        "conditions",
        "lag",
        "topPartitions",
        "replicas",
        "desiredReplicas",
        "readyReplicas",
        "lastScaleDecision",
        "observedGeneration",
        "stuckPartitions",
    ):
        assert key in status, key


def test_defaults_are_applied_like_the_api_server():
    spec = defaulted_spec({"kafka": {"bootstrapServers": "k:9092"}, "consumer": {"maxReplicas": 3}})
    assert spec["consumer"]["maxReplicas"] == 3
    assert spec["consumer"]["minReplicas"] == 1
    assert spec["consumer"]["resources"]["requests"] == {"cpu": "100m", "memory": "128Mi"}
    assert spec["topic"] == {"name": "events.v1", "partitions": 6, "replicas": 1}
    assert spec["loadGenerator"]["enabled"] is False
    assert spec["kafka"]["strimziCluster"] == ""


def test_topic_default_is_cores():
    """The CRD's YAML cannot import core's default, so this keeps the two equal."""
    assert defaulted_spec({})["topic"]["name"] == EVENTS_TOPIC
