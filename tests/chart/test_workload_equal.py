"""The chart and the operator build the same Deployment for the same component.

The operator's workload builder (``eventtide.operator.workload``) is the one description
of a component; the chart's ``components`` map mirrors it. Here the chart is rendered
with helm and every field that describes the component (not where it runs) is compared:
ports, probes, scrape annotations, the ``/tmp`` volume, the service account, hardening,
resources, ``OTEL_SERVICE_NAME`` and the component's own variables. Needs the built helm
binary, hence the integration tier.
"""

from __future__ import annotations

from typing import Any

import pytest

from eventtide.operator import children, workload
from eventtide.operator.spec import PipelineSpec
from tests.chart.rendering import render

pytestmark = pytest.mark.integration

ALL_ENABLED = tuple(
    arg for name in workload.COMPONENTS for arg in ("--set", f"components.{name}.enabled=true")
)


def described(deployment: dict[str, Any]) -> dict[str, Any]:
    """The fields of a Deployment that come from the component's description."""
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    own = {e["name"] for e in workload.component_env(workload.COMPONENTS[container["name"]])}
    return {
        "revisionHistoryLimit": deployment["spec"].get("revisionHistoryLimit"),
        "strategy": deployment["spec"].get("strategy"),
        "annotations": deployment["spec"]["template"]["metadata"].get("annotations", {}),
        "component": deployment["spec"]["template"]["metadata"]["labels"][
            "app.kubernetes.io/component"
        ],
        "serviceAccountIsOwn": pod.get("serviceAccountName") == deployment["metadata"]["name"],
        "automountServiceAccountToken": pod.get("automountServiceAccountToken"),
        "podSecurityContext": pod.get("securityContext"),
        "volumes": pod.get("volumes"),
        "name": container["name"],
        "image": container["image"].rsplit(":", 1)[0].rsplit("/", 1)[-1],
        "ports": container.get("ports"),
        "livenessProbe": container.get("livenessProbe"),
        "readinessProbe": container.get("readinessProbe"),
        "resources": container.get("resources"),
        "securityContext": container.get("securityContext"),
        "volumeMounts": container.get("volumeMounts"),
        "ownEnv": [e for e in container.get("env", []) if e["name"] in own],
        "hasDatabase": any(e["name"] == "DATABASE_URL" for e in container.get("env", [])),
        "kafkaSecurity": [
            e for e in container.get("env", []) if e["name"].startswith("EVENTTIDE_KAFKA_")
        ],
    }


def chart_deployments(*args: str) -> dict[str, dict[str, Any]]:
    """The chart's Deployments by component name."""
    return {
        obj["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]: obj
        for obj in render(*args)
        if obj["kind"] == "Deployment"
    }


SCRAM_WITH_CA = {
    "securityProtocol": "SASL_SSL",
    "tls": {"caSecretName": "kafka-ca", "caSecretKey": "ca.pem"},
    "sasl": {
        "mechanism": "SCRAM-SHA-512",
        "credentialsSecretName": "kafka-login",
        "usernameKey": "user",
        "passwordKey": "pass",
    },
}
IAM = {
    "securityProtocol": "SASL_SSL",
    "sasl": {"mechanism": "AWS_MSK_IAM", "awsRegion": "eu-west-1"},
}


def kafka_args(kafka: dict[str, Any]) -> list[str]:
    """``--set`` arguments for the chart's ``kafka`` values."""
    flat = {"securityProtocol": kafka["securityProtocol"]}
    flat |= {f"tls.{k}": v for k, v in kafka.get("tls", {}).items()}
    flat |= {f"sasl.{k}": v for k, v in kafka.get("sasl", {}).items()}
    return [a for k, v in flat.items() for a in ("--set", f"kafka.{k}={v}")]


def pipeline_child(name: str, kafka: dict[str, Any]) -> dict[str, Any]:
    """The operator's child for component ``name`` of a Pipeline with everything on."""
    spec = PipelineSpec.from_body(
        {
            "metadata": {"name": "events", "namespace": "ns"},
            "spec": {
                "kafka": {"bootstrapServers": "kafka:9092", **kafka},
                "processor": {"enabled": True},
                "ml": {"enabled": True},
            },
        }
    )
    built = {
        "consumer": children.consumer_deployment(spec, replicas=1),
        "processor": children.processor_deployment(spec, replicas=1),
        "ml": children.ml_deployment(spec),
        "ml-detect": children.ml_detect_deployment(spec),
        "ml-behave": children.ml_behave_deployment(spec),
    }[name]
    assert built is not None
    return built


@pytest.mark.parametrize("name", ["consumer", "processor", "ml", "ml-detect", "ml-behave"])
@pytest.mark.parametrize("security", ["plain", "scram", "iam"])
def test_operator_children_match_the_chart_components(name: str, security: str) -> None:
    kafka = {"plain": {}, "scram": SCRAM_WITH_CA, "iam": IAM}[security]
    args = kafka_args(kafka) if kafka else []
    chart = chart_deployments("--set", f"components.{name}.enabled=true", *args)[name]
    operator = pipeline_child(name, kafka)
    assert described(operator) == described(chart)
    assert described(chart)["annotations"]["prometheus.io/port"] == "9464"
    if security == "scram":
        assert len(described(chart)["kafkaSecurity"]) == 5


@pytest.mark.parametrize("name", sorted(workload.COMPONENTS))
def test_every_chart_component_is_the_builders(name: str) -> None:
    chart = chart_deployments(*ALL_ENABLED)[name]
    component = workload.COMPONENTS[name]
    built = workload.deployment(
        component,
        name=chart["metadata"]["name"],
        labels=chart["spec"]["template"]["metadata"]["labels"],
        selector=chart["spec"]["selector"]["matchLabels"],
        image=f"registry/{component.image_name}:1",
        replicas=1,
        env=[e for e in chart["spec"]["template"]["spec"]["containers"][0]["env"]
             if e["name"] == "DATABASE_URL"],
        service_account_token=name == "operator",
    )  # fmt: skip
    chart_view, built_view = described(chart), described(built)
    # The chart's producer is a demo load generator paced by --rate; the operator's too.
    assert chart_view == built_view
    assert chart["spec"]["template"]["spec"]["containers"][0]["args"][0] == component.args[0]


def test_chart_components_are_exactly_the_builders() -> None:
    assert set(chart_deployments(*ALL_ENABLED)) == set(workload.COMPONENTS)
