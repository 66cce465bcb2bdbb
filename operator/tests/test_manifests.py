"""The operator's own manifests: one replica, Recreate, liveness, least-privilege RBAC."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from eventtide.operator.crd import manifests_dir

pytestmark = pytest.mark.unit


def documents(name: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load_all((manifests_dir() / name).read_text()))


def test_operator_deployment_is_single_recreate_with_liveness():
    (deployment,) = documents("operator.yaml")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["args"][0] == "operator"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_rbac_grants_only_what_the_operator_touches():
    role = next(d for d in documents("rbac.yaml") if d["kind"] == "ClusterRole")
    granted = {
        (group, resource): set(rule["verbs"])
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }
    assert "secrets" not in {resource for _, resource in granted}
    assert all("*" not in verbs for verbs in granted.values())
    assert granted[("apps", "deployments")] == {"get", "create", "patch", "delete"}
    assert granted[("eventtide.io", "pipelines/status")] == {"get", "patch"}
    assert "create" in granted[("", "events")]
