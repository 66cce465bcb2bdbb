"""k8s/kind-cluster.yaml: a kind config that matches the control plane we test against."""

from __future__ import annotations

import pytest
import yaml

from eventtide.devstack.kubernetes import KUBERNETES_VERSION
from tests.chart.rendering import REPO

pytestmark = pytest.mark.unit


def test_kind_cluster_config() -> None:
    config = yaml.safe_load((REPO / "k8s" / "kind-cluster.yaml").read_text())
    assert config["kind"] == "Cluster"
    assert config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    assert config["name"] == "eventtide", "Tiltfile allows only the kind-eventtide context"
    roles = [node["role"] for node in config["nodes"]]
    assert roles.count("control-plane") == 1
    assert "worker" in roles
    minor = ".".join(KUBERNETES_VERSION.lstrip("v").split(".")[:2])
    for node in config["nodes"]:
        assert node["image"].startswith(f"kindest/node:v{minor}."), node["image"]
