"""The chart's monitoring objects: dashboard ConfigMaps for the Grafana sidecar, and the
PrometheusRule and PodMonitor only where the Prometheus Operator's CRDs exist."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from eventtide.devstack.observability import dashboards
from tests.chart.rendering import CHART, render

pytestmark = pytest.mark.integration

WITH_CRDS = (
    "--api-versions", "monitoring.coreos.com/v1/PrometheusRule",
    "--api-versions", "monitoring.coreos.com/v1/PodMonitor",
)  # fmt: skip


def _kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def test_every_dashboard_is_a_configmap_the_sidecar_finds() -> None:
    maps = _kind(render(), "ConfigMap")
    found = {}
    for cm in maps:
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
        ((name, text),) = cm["data"].items()
        found[name] = json.loads(text)
    assert {f"{d.uid}.json" for d in dashboards.DASHBOARDS} == set(found)
    assert all(d["uid"] == name.removesuffix(".json") for name, d in found.items())


def test_no_operator_crds_no_prometheus_objects() -> None:
    objects = render()
    assert not _kind(objects, "PrometheusRule")
    assert not _kind(objects, "PodMonitor")


def test_with_the_crds_the_rules_and_the_pod_monitor_render() -> None:
    objects = render(*WITH_CRDS)
    (rule,) = _kind(objects, "PrometheusRule")
    plain = yaml.safe_load((CHART / "rules" / "eventtide.rules.yaml").read_text())
    assert rule["spec"] == plain, "the PrometheusRule differs from the plain rules file"
    (monitor,) = _kind(objects, "PodMonitor")
    assert monitor["spec"]["jobLabel"] == "app.kubernetes.io/component"
    assert monitor["spec"]["podMetricsEndpoints"][0]["port"] == "metrics"
    assert monitor["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "eventtide"}


def test_every_component_with_metrics_names_its_port_metrics() -> None:
    deployments = _kind(render("--set", "components.consumer.enabled=true"), "Deployment")
    for deployment in deployments:
        ports = deployment["spec"]["template"]["spec"]["containers"][0]["ports"]
        # the API serves /metrics on its one HTTP port; the PodMonitor scrapes both names
        assert {"metrics", "http"} & {p["name"] for p in ports}, deployment["metadata"]["name"]
