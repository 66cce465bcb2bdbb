"""The workload builder with plain data, and one name per component across the repository."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from eventtide.operator import workload

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


def build(name: str) -> dict:
    return workload.deployment(
        workload.COMPONENTS[name],
        name=f"p-{name}",
        labels={"app.kubernetes.io/component": name},
        selector={"app.kubernetes.io/component": name},
        image=f"reg/{name}:1",
        replicas=2,
    )


@pytest.mark.parametrize("name", sorted(workload.COMPONENTS))
def test_every_deployment_is_hardened_with_a_writable_tmp(name: str) -> None:
    pod = build(name)["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert pod["securityContext"]["runAsUser"] == 10001
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert pod["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
    assert pod["serviceAccountName"] == f"p-{name}"
    assert pod["automountServiceAccountToken"] is False


@pytest.mark.parametrize("name", sorted(workload.COMPONENTS))
def test_name_is_the_service_name_and_the_probes_use_the_named_port(name: str) -> None:
    deployment = build(name)
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["name"] == name
    assert {"name": "OTEL_SERVICE_NAME", "value": name} in container["env"]
    port = container["ports"][0]
    assert container["livenessProbe"]["httpGet"]["port"] == port["name"]
    assert container["readinessProbe"]["httpGet"]["port"] == port["name"]


def test_every_component_is_scraped_the_operator_on_its_own_metrics_port() -> None:
    consumer = build("consumer")["spec"]["template"]["metadata"]["annotations"]
    assert consumer == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9464",
        "prometheus.io/path": "/metrics",
    }
    (container,) = build("consumer")["spec"]["template"]["spec"]["containers"]
    assert {"name": "EVENTTIDE_CONSUMER_METRICS_PORT", "value": "9464"} in container["env"]
    operator = build("operator")["spec"]["template"]
    assert operator["metadata"]["annotations"] == consumer  # port 9464, path /metrics
    ports = {p["name"]: p["containerPort"] for p in operator["spec"]["containers"][0]["ports"]}
    assert ports == {"health": 8080, "metrics": 9464}


def test_one_name_per_component_in_the_chart_and_the_source_tree() -> None:
    values = yaml.safe_load((REPO / "charts" / "eventtide" / "values.yaml").read_text())
    assert set(values["components"]) == set(workload.COMPONENTS)
    for name, component in workload.COMPONENTS.items():
        image = component.image_name
        folder = REPO / "services" / image if image != "operator" else REPO / "operator"
        assert (folder / "src" / "eventtide" / image / "__init__.py").is_file(), name
        assert values["components"][name].get("image", {}).get("name", name) == image, name
