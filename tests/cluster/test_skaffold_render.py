"""skaffold's rendered manifests (emulated, see tests/devloop/skaffold_render.py) pass a
server-side dry run on the real API server, for the dev and the staging profile."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.cluster.conftest import kubectl_run, wait_established
from tests.devloop.skaffold_render import render

pytestmark = pytest.mark.cluster

CRD = Path(__file__).resolve().parents[2] / "charts" / "eventtide" / "crds" / "pipeline-crd.yaml"


@pytest.fixture
def namespace(kubeconfig: Path, strimzi_crds: list[str]) -> Iterator[str]:
    applied = kubectl_run("apply", "--server-side", "-f", str(CRD), kubeconfig=kubeconfig)
    assert applied.returncode == 0, applied.stderr
    wait_established("pipelines.eventtide.io", kubeconfig=kubeconfig)
    name = f"sk-{secrets.token_hex(4)}"
    assert kubectl_run("create", "namespace", name, kubeconfig=kubeconfig).returncode == 0
    yield name
    kubectl_run("delete", "namespace", name, "--wait=false", kubeconfig=kubeconfig)


@pytest.mark.parametrize("profile", ["dev", "staging"])
def test_rendered_manifests_pass_a_server_side_dry_run(
    kubeconfig: Path, namespace: str, profile: str
) -> None:
    manifests = render(profile)
    docs = [doc for doc in yaml.safe_load_all(manifests) if doc]
    for doc in docs:
        if doc["kind"] in ("ClusterRoleBinding",):
            continue
        doc["metadata"].pop("namespace", None)
    images = {
        c["image"]
        for doc in docs
        if doc["kind"] == "Deployment"
        for c in doc["spec"]["template"]["spec"]["containers"]
    }
    assert images
    assert all(image.endswith(":dev") for image in images), images
    (pipeline,) = [doc for doc in docs if doc["kind"] == "Pipeline"]
    assert pipeline["spec"]["consumer"]["image"] == "ghcr.io/eventtide/consumer:dev"
    result = kubectl_run(
        "apply", "--dry-run=server", "--server-side", "-n", namespace, "-f", "-",
        kubeconfig=kubeconfig, stdin=yaml.safe_dump_all(docs),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("(server dry run)") == len(docs)
