"""Create or update a Pipeline's children: topic, ConfigMap, consumer, processor, ML scorer
and load generator.

Level-based: called on create/update/resume and again whenever the spec generation moves
or a child is missing, it makes what exists match what the pure builders say. The
consumer's and the processor's replica counts are never overwritten here: they belong
to the scaler. A child whose section is disabled is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import kopf

from eventtide.core.kafka.group_lag import AdminPool, LagReadError, ensure_topic
from eventtide.operator import children
from eventtide.operator.kube import (
    STRATEGIC_PATCH,
    Kube,
    KubeError,
    config_maps,
    custom,
    deployments,
    service_accounts,
)
from eventtide.operator.spec import PipelineSpec

STRIMZI_TOPIC_CRD = (
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/kafkatopics.kafka.strimzi.io"
)


@dataclass(frozen=True)
class ChildrenResult:
    """Whether every child exists, a human summary and how the topic is managed."""

    ready: bool
    message: str
    topic_mode: str


def strimzi_topic_version(kube: Kube) -> str | None:
    """The served version of Strimzi's KafkaTopic (``kafka.strimzi.io/<v>``), or None."""
    crd = kube.get(STRIMZI_TOPIC_CRD)
    if crd is None:
        return None
    versions = [v for v in crd["spec"]["versions"] if v.get("served")]
    storage = [v for v in versions if v.get("storage")] or versions
    return f"kafka.strimzi.io/{storage[0]['name']}" if storage else None


def apply(
    kube: Kube,
    collection: str,
    child: dict[str, Any],
    owner: Any,
    *,
    keep_replicas: bool = False,
    patch_type: str = STRATEGIC_PATCH,
) -> str:
    """Create ``child`` owned by ``owner``, or patch it to match; returns what happened."""
    kopf.adopt(child, owner=owner)
    name = child["metadata"]["name"]
    existing = kube.get(f"{collection}/{name}")
    if existing is None:
        try:
            kube.create(collection, child)
            return "created"
        except KubeError as error:
            if error.status != 409:
                raise
    if keep_replicas:
        child = {**child, "spec": {k: v for k, v in child["spec"].items() if k != "replicas"}}
    kube.patch(f"{collection}/{name}", child, patch_type)
    return "updated"


def ensure_children(
    kube: Kube, admins: AdminPool, spec: PipelineSpec, owner: dict[str, Any]
) -> ChildrenResult:
    """Make every child match the spec; a failure on the topic is reported, not raised."""
    namespace = spec.namespace
    topic_mode = "AdminAPI"
    problems: list[str] = []
    strimzi = strimzi_topic_version(kube) if spec.strimzi_cluster else None
    if strimzi is not None:
        topic_mode = "KafkaTopic"
        apply(
            kube,
            custom("kafka.strimzi.io", strimzi.split("/")[1], namespace, "kafkatopics"),
            children.kafka_topic(spec, strimzi),
            owner,
            patch_type="application/merge-patch+json",
        )
    else:
        try:
            ensure_topic(
                admins.get(spec.bootstrap_servers), spec.topic, spec.partitions, spec.replication
            )
        except LagReadError as error:
            problems.append(f"topic {spec.topic}: {error}")
    apply(kube, config_maps(namespace), children.config_map(spec), owner)
    for account in children.service_accounts(spec):
        apply(kube, service_accounts(namespace), account, owner)
    wanted: list[tuple[str, str, dict[str, Any] | None, bool]] = [
        (
            "consumer",
            children.consumer_name(spec),
            children.consumer_deployment(spec, children.initial_replicas(spec)),
            True,
        ),
        (
            "processor",
            children.processor_name(spec),
            children.processor_deployment(spec, children.initial_replicas(spec, "processor")),
            True,
        ),
        ("ML scorer", children.ml_name(spec), children.ml_deployment(spec), False),
        (
            "metric detector",
            children.ml_detect_name(spec),
            children.ml_detect_deployment(spec),
            False,
        ),
        (
            "behaviour detector",
            children.ml_behave_name(spec),
            children.ml_behave_deployment(spec),
            False,
        ),
        (
            "load generator",
            children.load_generator_name(spec),
            children.load_generator_deployment(spec),
            False,
        ),
    ]
    made = ["topic", "ConfigMap"]
    for what, name, deployment, scaled in wanted:
        if deployment is not None:
            apply(kube, deployments(namespace), deployment, owner, keep_replicas=scaled)
            made.append(what)
        elif kube.get(f"{deployments(namespace)}/{name}") is not None:
            kube.request("DELETE", f"{deployments(namespace)}/{name}")
    if problems:
        return ChildrenResult(False, "; ".join(problems), topic_mode)
    return ChildrenResult(True, f"{', '.join(made)} reconciled", topic_mode)
