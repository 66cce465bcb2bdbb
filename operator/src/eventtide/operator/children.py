"""Child objects of a Pipeline, built as plain dictionaries. Pure; tested with plain data.

Owner references are not set here: the handlers add them with ``kopf.adopt`` so that
these functions stay free of the framework.
"""

from __future__ import annotations

from typing import Any

from eventtide.operator import workload
from eventtide.operator.spec import PipelineSpec

MANAGED_BY = "eventtide-operator"
STRIMZI_CLUSTER_LABEL = "strimzi.io/cluster"


def labels(spec: PipelineSpec, component: str) -> dict[str, str]:
    """The recommended labels; ``component`` is the same name as the CLI subcommand's."""
    return {
        "app.kubernetes.io/name": "eventtide",
        "app.kubernetes.io/instance": spec.name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "eventtide.io/pipeline": spec.name,
    }


def selector(spec: PipelineSpec, component: str) -> dict[str, str]:
    """The immutable selector of a child Deployment."""
    return {"eventtide.io/pipeline": spec.name, "app.kubernetes.io/component": component}


def config_map_name(spec: PipelineSpec) -> str:
    """Name of the Pipeline's ConfigMap."""
    return f"{spec.name}-pipeline"


def consumer_name(spec: PipelineSpec) -> str:
    """Name of the consumer Deployment."""
    return f"{spec.name}-consumer"


def load_generator_name(spec: PipelineSpec) -> str:
    """Name of the load generator Deployment."""
    return f"{spec.name}-loadgen"


def config_map(spec: PipelineSpec) -> dict[str, Any]:
    """Environment shared by the Pipeline's workloads (standard variable names)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": config_map_name(spec), "labels": labels(spec, "pipeline")},
        "data": {
            "KAFKA_BOOTSTRAP_SERVERS": spec.bootstrap_servers,
            "EVENTTIDE_EVENTS_TOPIC": spec.topic,
            "EVENTTIDE_CONSUMER_GROUP": spec.group_id,
            "OTEL_RESOURCE_ATTRIBUTES": f"eventtide.pipeline={spec.name}",
        },
    }


def consumer_deployment(spec: PipelineSpec, replicas: int) -> dict[str, Any]:
    """The consumer: ``eventtide consume``, its database URL from the Pipeline's Secret."""
    consumer = spec.consumer
    database = spec.database
    return workload.deployment(
        workload.COMPONENTS["consumer"],
        name=consumer_name(spec),
        labels=labels(spec, "consumer"),
        selector=selector(spec, "consumer"),
        image=str(consumer["image"]),
        replicas=replicas,
        env_from=[{"configMapRef": {"name": config_map_name(spec)}}],
        env=[
            {
                "name": "DATABASE_URL",
                "valueFrom": {
                    "secretKeyRef": {"name": database["secretName"], "key": database["key"]}
                },
            }
        ],
        resources=consumer["resources"],
    )


def load_generator_deployment(spec: PipelineSpec) -> dict[str, Any] | None:
    """The demo load generator (``eventtide produce --rate``), or None when disabled."""
    generator = spec.load_generator
    if not generator["enabled"]:
        return None
    return workload.deployment(
        workload.COMPONENTS["producer"],
        name=load_generator_name(spec),
        labels=labels(spec, "producer"),
        selector=selector(spec, "producer"),
        image=str(generator["image"]),
        replicas=1,
        args=["produce", "--rate", str(generator["eventsPerSecond"])],
        env_from=[{"configMapRef": {"name": config_map_name(spec)}}],
    )


def service_accounts(spec: PipelineSpec) -> list[dict[str, Any]]:
    """One ServiceAccount per workload, named like its Deployment (as the chart does)."""
    accounts = [workload.service_account(consumer_name(spec), labels(spec, "consumer"))]
    if spec.load_generator["enabled"]:
        name = load_generator_name(spec)
        accounts.append(workload.service_account(name, labels(spec, "producer")))
    return accounts


def kafka_topic(spec: PipelineSpec, api_version: str = "kafka.strimzi.io/v1") -> dict[str, Any]:
    """A Strimzi KafkaTopic for the Pipeline's topic on its Strimzi cluster."""
    return {
        "apiVersion": api_version,
        "kind": "KafkaTopic",
        "metadata": {
            "name": spec.topic.replace("_", "-").replace(".", "-").lower(),
            "labels": {**labels(spec, "topic"), STRIMZI_CLUSTER_LABEL: spec.strimzi_cluster},
        },
        "spec": {
            "topicName": spec.topic,
            "partitions": spec.partitions,
            "replicas": spec.replication,
            "config": {"retention.ms": 7 * 24 * 3600 * 1000},
        },
    }


def initial_replicas(spec: PipelineSpec) -> int:
    """Replicas of a newly created consumer: the floor, which the policy raises as needed."""
    config = spec.scaling()
    return config.min_replicas
