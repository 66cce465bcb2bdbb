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


def processor_name(spec: PipelineSpec) -> str:
    """Name of the processor Deployment."""
    return f"{spec.name}-processor"


def ml_name(spec: PipelineSpec) -> str:
    """Name of the ML scorer Deployment."""
    return f"{spec.name}-ml"


def ml_detect_name(spec: PipelineSpec) -> str:
    """Name of the metric detector Deployment."""
    return f"{spec.name}-ml-detect"


def ml_behave_name(spec: PipelineSpec) -> str:
    """Name of the behaviour detector Deployment."""
    return f"{spec.name}-ml-behave"


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


def database_env(spec: PipelineSpec) -> dict[str, Any]:
    """``DATABASE_URL`` from the Pipeline's Secret, by reference."""
    database = spec.database
    return {
        "name": "DATABASE_URL",
        "valueFrom": {"secretKeyRef": {"name": database["secretName"], "key": database["key"]}},
    }


def _deployment(
    spec: PipelineSpec,
    component: str,
    *,
    name: str,
    image: str,
    replicas: int,
    env: list[dict[str, Any]],
    resources: dict[str, Any] | None = None,
    args: list[str] | None = None,
) -> dict[str, Any]:
    """A child built by the shared workload builder, with the Pipeline's Kafka security.

    Every child gets the same TLS/SASL variables and CA mount: one place decides how the
    Pipeline's workloads log in to Kafka, so none of them can be left without it.
    """
    volumes, mounts = workload.kafka_ca_volumes(spec.kafka)
    return workload.deployment(
        workload.COMPONENTS[component],
        name=name,
        labels=labels(spec, component),
        selector=selector(spec, component),
        image=image,
        replicas=replicas,
        args=args,
        env_from=[{"configMapRef": {"name": config_map_name(spec)}}],
        env=[*workload.kafka_security_env(spec.kafka), *env],
        resources=resources,
        volumes=volumes,
        volume_mounts=mounts,
    )


def consumer_deployment(spec: PipelineSpec, replicas: int) -> dict[str, Any]:
    """The consumer: ``eventtide consume``, its database URL from the Pipeline's Secret."""
    return _deployment(
        spec,
        "consumer",
        name=consumer_name(spec),
        image=str(spec.consumer["image"]),
        replicas=replicas,
        env=[database_env(spec)],
        resources=spec.consumer["resources"],
    )


def processor_deployment(spec: PipelineSpec, replicas: int) -> dict[str, Any] | None:
    """The processor (``eventtide process``) in its own group, or None when disabled."""
    if not spec.processor_enabled:
        return None
    processor = spec.processor
    windows = processor["windows"]
    settings = {
        "EVENTTIDE_PROCESSOR_GROUP_ID": spec.processor_group_id,
        "EVENTTIDE_PROCESSOR_ALLOWED_LATENESS_S": windows["allowedLatenessSeconds"],
        "EVENTTIDE_PROCESSOR_SESSION_GAP_S": windows["sessionGapSeconds"],
        "EVENTTIDE_PROCESSOR_ATTRIBUTION_WINDOW_S": windows["attributionWindowSeconds"],
        "EVENTTIDE_PROCESSOR_ALERTS_TOPIC": processor["alerts"]["topic"],
    }
    return _database_child(
        spec, "processor", name=processor_name(spec), image=str(processor["image"]),
        replicas=replicas, resources=processor["resources"], settings=settings,
    )  # fmt: skip


def ml_deployment(spec: PipelineSpec) -> dict[str, Any] | None:
    """The ML scorer (``eventtide ml score``), or None unless it and the processor run."""
    if not spec.ml_enabled:
        return None
    ml = spec.ml
    settings = {
        "EVENTTIDE_ML_GROUP_ID": spec.ml_group_id,
        "EVENTTIDE_ML_MODEL_NAME": ml["models"]["churn"],
    }
    return _database_child(
        spec, "ml", name=ml_name(spec), image=str(ml["image"]), replicas=int(ml["minReplicas"]),
        resources=ml["resources"], settings=settings,
    )  # fmt: skip


def ml_detect_deployment(spec: PipelineSpec) -> dict[str, Any] | None:
    """The metric detector (``eventtide ml detect``), or None unless the scorer runs.

    Always one replica: its state is one document per group. Its alerts go where the
    processor's do, and it reads the processor's window results (``windows.v1``).
    """
    if not spec.ml_detect_enabled:
        return None
    ml = spec.ml
    settings = {
        "EVENTTIDE_ML_DETECT_GROUP_ID": spec.ml_detect_group_id,
        "EVENTTIDE_ML_DETECT_MODEL_NAME": ml["models"]["anomaly"],
        "EVENTTIDE_ML_DETECT_ALERTS_TOPIC": spec.processor["alerts"]["topic"],
    }
    return _database_child(
        spec, "ml-detect", name=ml_detect_name(spec), image=str(ml["image"]), replicas=1,
        resources=ml["detect"]["resources"], settings=settings,
    )  # fmt: skip


def ml_behave_deployment(spec: PipelineSpec) -> dict[str, Any] | None:
    """The behaviour detector (``eventtide ml behave``), or None unless the scorer runs.

    It reads the Pipeline's topic (``EVENTTIDE_EVENTS_TOPIC`` from the ConfigMap) in its
    own group; its alerts go where the processor's do.
    """
    if not spec.ml_behave_enabled:
        return None
    ml = spec.ml
    settings = {
        "EVENTTIDE_ML_BEHAVE_GROUP_ID": spec.ml_behave_group_id,
        "EVENTTIDE_ML_BEHAVE_MODEL_NAME": ml["models"]["behaviour"],
        "EVENTTIDE_ML_BEHAVE_ALERTS_TOPIC": spec.processor["alerts"]["topic"],
    }
    return _database_child(
        spec, "ml-behave", name=ml_behave_name(spec), image=str(ml["image"]),
        replicas=int(ml["behave"]["replicas"]), resources=ml["behave"]["resources"],
        settings=settings,
    )  # fmt: skip


def _database_child(
    spec: PipelineSpec,
    component: str,
    *,
    name: str,
    image: str,
    replicas: int,
    resources: dict[str, Any],
    settings: dict[str, Any],
) -> dict[str, Any]:
    """A child that stores results: ``DATABASE_URL`` from the Pipeline's Secret, then
    its own ``settings`` as plain values."""
    return _deployment(
        spec,
        component,
        name=name,
        image=image,
        replicas=replicas,
        env=[database_env(spec), *_values(settings)],
        resources=resources,
    )


def _values(settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Plain ``name``/``value`` entries; numbers as Kubernetes wants them, strings."""
    return [{"name": name, "value": str(value)} for name, value in settings.items()]


def load_generator_deployment(spec: PipelineSpec) -> dict[str, Any] | None:
    """The demo load generator (``eventtide produce --rate``), or None when disabled."""
    generator = spec.load_generator
    if not generator["enabled"]:
        return None
    return _deployment(
        spec,
        "producer",
        name=load_generator_name(spec),
        image=str(generator["image"]),
        replicas=1,
        args=["produce", "--rate", str(generator["eventsPerSecond"])],
        env=[],
    )


def service_accounts(spec: PipelineSpec) -> list[dict[str, Any]]:
    """One ServiceAccount per workload, named like its Deployment (as the chart does)."""
    wanted = [(consumer_name(spec), "consumer")]
    if spec.processor_enabled:
        wanted.append((processor_name(spec), "processor"))
    if spec.ml_enabled:
        wanted.append((ml_name(spec), "ml"))
    if spec.ml_detect_enabled:
        wanted.append((ml_detect_name(spec), "ml-detect"))
    if spec.ml_behave_enabled:
        wanted.append((ml_behave_name(spec), "ml-behave"))
    if spec.load_generator["enabled"]:
        wanted.append((load_generator_name(spec), "producer"))
    annotations = spec.raw.get("serviceAccountAnnotations") or {}
    return [
        workload.service_account(name, labels(spec, component), annotations)
        for name, component in wanted
    ]


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


def initial_replicas(spec: PipelineSpec, workload_name: str = "consumer") -> int:
    """Replicas of a newly created consumer or processor: the floor the policy raises."""
    config = spec.scaling("processor" if workload_name == "processor" else "consumer")
    return config.min_replicas
