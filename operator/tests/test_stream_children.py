"""The processor and ML scorer children, and the processor's scaling config, from plain data."""

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
  topic: {name: orders.v1, partitions: 12}
  consumer: {minReplicas: 2, maxReplicas: 6, lagThreshold: 500, scaleDownStabilizationSeconds: 60}
  processor:
    enabled: true
    image: reg/processor:2
    minReplicas: 1
    maxReplicas: 4
    lagThreshold: 2000
    windows: {allowedLatenessSeconds: 30, sessionGapSeconds: 900}
    alerts: {topic: shop.alerts}
  ml:
    enabled: true
    image: reg/ml:3
    minReplicas: 2
    models: {churn: churn-v2}
  database: {secretName: orders-db, key: dsn}
"""
)


def spec(**sections: Any) -> PipelineSpec:
    body = {**PIPELINE, "spec": {**PIPELINE["spec"], **sections}}
    return PipelineSpec.from_body(body)


def container(deployment: dict[str, Any] | None) -> dict[str, Any]:
    assert deployment is not None
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(only)


def env(deployment: dict[str, Any] | None) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(deployment)["env"]}


def test_processor_runs_in_its_own_group_with_its_windows() -> None:
    deployment = children.processor_deployment(spec(), replicas=3)
    assert deployment is not None
    assert deployment["metadata"]["name"] == "orders-processor"
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == (
        "processor"
    )
    c = container(deployment)
    assert c["image"] == "reg/processor:2"
    assert c["args"] == ["process"]
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["resources"]["limits"] == {"cpu": "1", "memory": "1Gi"}
    values = env(deployment)
    assert values["EVENTTIDE_PROCESSOR_GROUP_ID"] == "eventtide-orders-processor"
    assert values["EVENTTIDE_PROCESSOR_ALLOWED_LATENESS_S"] == "30"
    assert values["EVENTTIDE_PROCESSOR_SESSION_GAP_S"] == "900"
    assert values["EVENTTIDE_PROCESSOR_ATTRIBUTION_WINDOW_S"] == "604800"
    assert values["EVENTTIDE_PROCESSOR_ALERTS_TOPIC"] == "shop.alerts"
    assert values["EVENTTIDE_PROCESSOR_METRICS_PORT"] == "9464"
    assert values["DATABASE_URL"] == {"secretKeyRef": {"name": "orders-db", "key": "dsn"}}
    assert values["OTEL_SERVICE_NAME"] == "processor"


def test_ml_scorer_loads_the_named_models() -> None:
    deployment = children.ml_deployment(spec())
    assert deployment is not None
    assert deployment["metadata"]["name"] == "orders-ml"
    assert deployment["spec"]["replicas"] == 2
    assert container(deployment)["args"] == ["ml", "score"]
    values = env(deployment)
    assert values["EVENTTIDE_ML_MODEL_NAME"] == "churn-v2"
    assert values["EVENTTIDE_ML_GROUP_ID"] == "eventtide-orders-ml"
    assert "DATABASE_URL" in values


def test_metric_detector_runs_once_beside_the_scorer_on_the_processors_alerts() -> None:
    deployment = children.ml_detect_deployment(spec())
    assert deployment is not None
    assert deployment["metadata"]["name"] == "orders-ml-detect"
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    c = container(deployment)
    assert c["args"] == ["ml", "detect"]
    assert c["image"] == "reg/ml:3"
    assert c["resources"]["limits"] == {"cpu": "500m", "memory": "512Mi"}
    values = env(deployment)
    assert values["EVENTTIDE_ML_DETECT_GROUP_ID"] == "eventtide-orders-ml-detect"
    assert values["EVENTTIDE_ML_DETECT_MODEL_NAME"] == "anomaly"
    assert values["EVENTTIDE_ML_DETECT_ALERTS_TOPIC"] == "shop.alerts"
    assert values["EVENTTIDE_ML_DETECT_METRICS_PORT"] == "9464"
    assert values["OTEL_SERVICE_NAME"] == "ml-detect"
    assert values["DATABASE_URL"] == {"secretKeyRef": {"name": "orders-db", "key": "dsn"}}
    named = spec(ml={"enabled": True, "models": {"anomaly": "anomaly-eu"},
                     "detect": {"groupId": "g-detect"}})  # fmt: skip
    assert env(children.ml_detect_deployment(named))["EVENTTIDE_ML_DETECT_MODEL_NAME"] == (
        "anomaly-eu"
    )
    assert env(children.ml_detect_deployment(named))["EVENTTIDE_ML_DETECT_GROUP_ID"] == "g-detect"
    # The scorer keeps rolling updates: only the detector must never run twice.
    scorer = children.ml_deployment(spec())
    assert scorer is not None
    assert scorer["spec"]["strategy"] == {"type": "RollingUpdate"}


def test_behaviour_detector_reads_the_pipelines_topic_in_its_own_group() -> None:
    deployment = children.ml_behave_deployment(spec())
    assert deployment is not None
    assert deployment["metadata"]["name"] == "orders-ml-behave"
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "RollingUpdate"}
    c = container(deployment)
    assert c["args"] == ["ml", "behave"]
    assert c["image"] == "reg/ml:3"
    assert c["envFrom"] == [{"configMapRef": {"name": "orders-pipeline"}}]
    assert children.config_map(spec())["data"]["EVENTTIDE_EVENTS_TOPIC"] == "orders.v1"
    values = env(deployment)
    assert values["EVENTTIDE_ML_BEHAVE_GROUP_ID"] == "eventtide-orders-ml-behave"
    assert values["EVENTTIDE_ML_BEHAVE_MODEL_NAME"] == "behaviour"
    assert values["EVENTTIDE_ML_BEHAVE_ALERTS_TOPIC"] == "shop.alerts"
    assert values["EVENTTIDE_ML_BEHAVE_METRICS_PORT"] == "9464"
    assert values["OTEL_SERVICE_NAME"] == "ml-behave"
    wider = spec(ml={"enabled": True, "models": {"behaviour": "bots-v2"},
                     "behave": {"replicas": 3, "groupId": "g-behave"}})  # fmt: skip
    built = children.ml_behave_deployment(wider)
    assert built is not None
    assert built["spec"]["replicas"] == 3
    assert env(built)["EVENTTIDE_ML_BEHAVE_MODEL_NAME"] == "bots-v2"
    assert env(built)["EVENTTIDE_ML_BEHAVE_GROUP_ID"] == "g-behave"
    off = spec(ml={"enabled": True, "behave": {"enabled": False}})
    assert children.ml_behave_deployment(off) is None
    assert children.ml_behave_deployment(spec(processor={"enabled": False})) is None


def test_metric_detector_can_be_left_out_and_needs_the_scorer() -> None:
    left_out = spec(ml={"enabled": True, "detect": {"enabled": False}})
    assert children.ml_detect_deployment(left_out) is None
    assert "orders-ml-detect" not in [
        a["metadata"]["name"] for a in children.service_accounts(left_out)
    ]
    assert children.ml_detect_deployment(spec(ml={"enabled": False})) is None
    assert children.ml_detect_deployment(spec(processor={"enabled": False})) is None


def test_disabled_sections_build_nothing_and_ml_needs_the_processor() -> None:
    assert children.processor_deployment(spec(processor={"enabled": False}), 1) is None
    assert children.ml_deployment(spec(ml={"enabled": False})) is None
    assert children.ml_deployment(spec(processor={"enabled": False})) is None
    bare = PipelineSpec.from_body({"metadata": {"name": "x"}, "spec": {"kafka": {}}})
    assert children.processor_deployment(bare, 1) is None
    assert [a["metadata"]["name"] for a in children.service_accounts(bare)] == ["x-consumer"]


def test_every_workload_has_its_own_service_account() -> None:
    names = [a["metadata"]["name"] for a in children.service_accounts(spec())]
    assert names == [
        "orders-consumer", "orders-processor", "orders-ml", "orders-ml-detect", "orders-ml-behave",
    ]  # fmt: skip


def test_processor_scales_with_the_consumer_policy_and_its_own_bounds() -> None:
    consumer, processor = spec().scaling(), spec().scaling("processor")
    assert (processor.min_replicas, processor.max_replicas, processor.lag_threshold) == (
        1,
        4,
        2000,
    )
    assert (consumer.min_replicas, consumer.max_replicas, consumer.lag_threshold) == (2, 6, 500)
    assert processor.scale_down_window_s == consumer.scale_down_window_s == 60
    assert processor.partitions == consumer.partitions == 12
    assert children.initial_replicas(spec(), "processor") == 1
    assert children.initial_replicas(spec()) == 2
