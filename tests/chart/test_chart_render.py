"""``helm lint`` and ``helm template`` of the chart, and what every rendered object must be.

These need the built helm binary but no API server, hence the integration tier.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.chart.rendering import CHART, REPO, STAGING_VALUES, containers, helm, render

pytestmark = pytest.mark.integration

VARIANTS = {
    "default": (),
    "staging": ("-f", str(STAGING_VALUES)),
    "everything": (
        "--set", "pipeline.enabled=true",
        "--set", "kafka.strimzi.enabled=true",
        "--set", "components.producer.enabled=true",
    ),
}  # fmt: skip
LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/part-of",
)


@pytest.mark.parametrize("values", [(), ("-f", str(STAGING_VALUES))], ids=["default", "staging"])
def test_helm_lint_is_clean(values: tuple[str, ...]) -> None:
    result = helm("lint", "--strict", str(CHART), *values)
    assert "0 chart(s) failed" in result.stdout
    assert "[WARNING]" not in result.stdout
    assert "[ERROR]" not in result.stdout


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_container_is_hardened(variant: str) -> None:
    found = containers(render(*VARIANTS[variant]))
    assert found, "the chart renders at least one workload"
    for workload, pod, container in found:
        where = f"{variant}: {workload}/{container['name']}"
        sc = container["securityContext"]
        assert sc["runAsNonRoot"] is True, where
        assert sc["runAsUser"] > 0, where
        assert sc["readOnlyRootFilesystem"] is True, where
        assert sc["allowPrivilegeEscalation"] is False, where
        assert sc["capabilities"]["drop"] == ["ALL"], where
        assert not sc["capabilities"].get("add"), where
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", where
        assert container["livenessProbe"], where
        assert container["readinessProbe"], where
        assert set(container["resources"]) == {"requests", "limits"}, where
        assert {"cpu", "memory"} <= set(container["resources"]["limits"]), where
        assert ":" in container["image"], where
        assert not container["image"].endswith(":latest"), where


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_object_carries_the_standard_labels(variant: str) -> None:
    for obj in render(*VARIANTS[variant]):
        labels = obj["metadata"].get("labels", {})
        missing = [key for key in LABELS if key not in labels]
        assert not missing, f"{obj['kind']}/{obj['metadata']['name']} lacks {missing}"


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def test_secrets_are_referenced_never_embedded() -> None:
    objects = render(
        *VARIANTS["staging"],
        "--set", "components.operator.database=true",
        "--set", "kafka.sasl.mechanism=SCRAM-SHA-512",
        "--set", "kafka.sasl.credentialsSecretName=kafka-login",
        "--set", "kafka.tls.caSecretName=msk-ca",
    )  # fmt: skip
    assert not [obj for obj in objects if obj["kind"] == "Secret"], "the chart creates no Secret"
    ((_, pod, operator),) = [c for c in containers(objects) if c[2]["name"] == "operator"]
    env = env_of(operator)
    database = env["DATABASE_URL"]
    assert "value" not in database
    assert database["valueFrom"]["secretKeyRef"] == {"name": "eventtide-database", "key": "url"}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes["kafka-ca"]["secret"]["secretName"] == "msk-ca"
    assert env["EVENTTIDE_KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
    for variable, key in (("USERNAME", "username"), ("PASSWORD", "password")):
        entry = env[f"EVENTTIDE_KAFKA_SASL_{variable}"]
        assert "value" not in entry
        assert entry["valueFrom"]["secretKeyRef"] == {"name": "kafka-login", "key": key}


def test_default_values_render_the_operator_and_the_api() -> None:
    objects = render()
    dashboards = [o for o in objects if "grafana_dashboard" in o["metadata"]["labels"]]
    assert len(dashboards) >= 6  # tests/chart/test_chart_monitoring.py checks them
    kinds = sorted(
        f"{obj['kind']}/{obj['metadata']['name']}"
        for obj in objects
        if obj not in dashboards and obj["kind"] != "NetworkPolicy"
    )
    assert kinds == [
        "ClusterRole/rel-eventtide-operator",
        "ClusterRoleBinding/rel-eventtide-operator",
        "Deployment/rel-eventtide-api",
        "Deployment/rel-eventtide-operator",
        "PodDisruptionBudget/rel-eventtide-api",
        "Service/rel-eventtide-api",
        "Service/rel-eventtide-operator",
        "ServiceAccount/rel-eventtide-api",
        "ServiceAccount/rel-eventtide-operator",
    ]
    (deployment,) = [
        obj
        for obj in objects
        if obj["kind"] == "Deployment" and obj["metadata"]["name"].endswith("operator")
    ]
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}, "never two operators at once"


def test_optional_pipeline_and_strimzi_cluster() -> None:
    objects = render(*VARIANTS["everything"])
    by_kind = {obj["kind"]: obj for obj in objects}
    assert by_kind["Pipeline"]["apiVersion"] == "eventtide.io/v1alpha1"
    kafka = by_kind["Pipeline"]["spec"]["kafka"]
    assert kafka["strimziCluster"] == "eventtide"
    assert kafka["securityProtocol"] == "PLAINTEXT"
    assert "bootstrapServers" not in kafka
    assert by_kind["Kafka"]["apiVersion"] == "kafka.strimzi.io/v1"
    pool = by_kind["KafkaNodePool"]
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == "eventtide"
    assert pool["spec"]["roles"] == ["controller", "broker"]
    producer = [c for _, _, c in containers(objects) if c["name"] == "producer"]
    bootstrap = env_of(producer[0])["KAFKA_BOOTSTRAP_SERVERS"]["value"]
    assert bootstrap == "eventtide-kafka-bootstrap.ns.svc:9092"


def test_staging_pipeline_uses_msk_iam_and_runs_the_whole_stream() -> None:
    (pipeline,) = [obj for obj in render(*VARIANTS["staging"]) if obj["kind"] == "Pipeline"]
    kafka = pipeline["spec"]["kafka"]
    # The listener the msk module enables by default: SASL/IAM over TLS on 9098.
    assert all(s.endswith(":9098") for s in kafka["bootstrapServers"].split(","))
    assert kafka["securityProtocol"] == "SASL_SSL"
    assert kafka["sasl"]["mechanism"] == "AWS_MSK_IAM"
    assert kafka["sasl"]["awsRegion"] == "eu-west-1"
    assert pipeline["spec"]["database"] == {"secretName": "eventtide-database", "key": "url"}
    assert pipeline["spec"]["processor"]["enabled"] is True
    assert pipeline["spec"]["ml"]["enabled"] is True


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("components.operator.securityContext.readOnlyRootFilesystem=false", "readOnlyRoot"),
        ("components.operator.securityContext.runAsNonRoot=false", "runAsNonRoot"),
        ("components.operator.enabled=maybe", "enabled"),
        ("database.password=hunter2", "password"),
    ],
)
def test_values_that_weaken_the_chart_are_refused(override: str, message: str) -> None:
    result = helm("template", "rel", str(CHART), "--set", override, check=False)
    assert result.returncode != 0
    assert message in result.stderr


def test_pipeline_without_any_kafka_is_refused() -> None:
    result = helm("template", "rel", str(CHART), "--set", "pipeline.enabled=true", check=False)
    assert result.returncode != 0
    assert "kafka.bootstrapServers" in result.stderr


def test_operator_rbac_matches_the_operators_own_manifest() -> None:
    operator_rbac = yaml.safe_load_all((REPO / "operator" / "manifests" / "rbac.yaml").read_text())
    (expected,) = [doc for doc in operator_rbac if doc and doc["kind"] == "ClusterRole"]
    (role,) = [obj for obj in render() if obj["kind"] == "ClusterRole"]
    assert role["rules"] == expected["rules"]
    (binding,) = [obj for obj in render() if obj["kind"] == "ClusterRoleBinding"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "rel-eventtide-operator", "namespace": "ns"}
    ]
