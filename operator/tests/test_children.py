"""Child objects from plain Pipeline data."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from eventtide.operator import children
from eventtide.operator.spec import PipelineSpec

pytestmark = pytest.mark.unit

PIPELINE = yaml.safe_load(
    """
metadata: {name: orders, namespace: shop}
spec:
  kafka: {bootstrapServers: "kafka:9092"}
  topic: {name: orders.v1, partitions: 12, replicas: 3}
  consumer: {image: "reg/consumer:1", minReplicas: 2, maxReplicas: 6, lagThreshold: 500}
  loadGenerator: {enabled: true, eventsPerSecond: 250}
  database: {secretName: orders-db, key: dsn}
"""
)


def spec(body: dict[str, Any] = PIPELINE) -> PipelineSpec:
    return PipelineSpec.from_body(body)


def test_consumer_deployment():
    deployment = children.consumer_deployment(spec(), replicas=2)
    assert deployment["metadata"]["name"] == "orders-consumer"
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["selector"]["matchLabels"] == {
        "eventtide.io/pipeline": "orders",
        "app.kubernetes.io/component": "consumer",
    }
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == "reg/consumer:1"
    assert container["args"] == ["consume"]
    assert container["envFrom"] == [{"configMapRef": {"name": "orders-pipeline"}}]
    database = next(e for e in container["env"] if e["name"] == "DATABASE_URL")
    assert database["valueFrom"]["secretKeyRef"] == {"name": "orders-db", "key": "dsn"}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "512Mi"}
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/component"] == "consumer"


def test_config_map_carries_the_standard_variables():
    data = children.config_map(spec())["data"]
    assert data["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert data["EVENTTIDE_EVENTS_TOPIC"] == "orders.v1"
    assert data["EVENTTIDE_CONSUMER_GROUP"] == "eventtide-orders"


def test_load_generator_only_when_enabled():
    generator = children.load_generator_deployment(spec())
    assert generator is not None
    assert generator["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "produce",
        "--rate",
        "250",
    ]
    disabled = {**PIPELINE, "spec": {**PIPELINE["spec"], "loadGenerator": {"enabled": False}}}
    assert children.load_generator_deployment(spec(disabled)) is None


def test_strimzi_cluster_gives_bootstrap_and_kafka_topic():
    body = {**PIPELINE, "spec": {**PIPELINE["spec"], "kafka": {"strimziCluster": "main"}}}
    strimzi = spec(body)
    assert strimzi.bootstrap_servers == "main-kafka-bootstrap.shop.svc:9092"
    topic = children.kafka_topic(strimzi, "kafka.strimzi.io/v1beta2")
    assert topic["apiVersion"] == "kafka.strimzi.io/v1beta2"
    assert topic["metadata"]["name"] == "orders-v1"
    assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "main"
    assert topic["spec"]["topicName"] == "orders.v1"
    assert (topic["spec"]["partitions"], topic["spec"]["replicas"]) == (12, 3)


def test_scaling_config_from_spec():
    config = spec().scaling()
    assert (config.partitions, config.min_replicas, config.max_replicas) == (12, 2, 6)
    assert config.lag_threshold == 500
    assert config.scale_down_window_s == 300
    assert config.offset_reset == "earliest"
    assert children.initial_replicas(spec()) == 2
