"""The Kubernetes API our chart and operator rely on, exercised with the real kubectl and helm.

These run against whatever the session's ``kubeconfig`` fixture provides: the local control
plane from ``eventtide.devstack.kubernetes`` (kwok simulating the Nodes), or the cluster a
developer's KUBECONFIG names. Each test works in its own namespace, so they can share one
cluster and leave nothing behind.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eventtide.devstack.kubernetes import tool_path

pytestmark = pytest.mark.cluster

TESTDATA = Path(__file__).parent / "testdata"
WAIT_SECONDS = 90.0


def run(
    tool: str,
    *args: str,
    kubeconfig: Path,
    check: bool = True,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the built kubectl or helm against the session's cluster."""
    result = subprocess.run(
        [str(tool_path(tool)), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {}), "KUBECONFIG": str(kubeconfig)},
        timeout=180,
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{tool} {' '.join(args)} failed (exit {result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


def get_json(kubeconfig: Path, *args: str) -> Any:
    """``kubectl get ... -o json``, decoded."""
    return json.loads(run("kubectl", "get", *args, "-o", "json", kubeconfig=kubeconfig).stdout)


@pytest.fixture
def namespace(kubeconfig: Path) -> Iterator[str]:
    """A fresh namespace, deleted afterwards without waiting for its finalizers."""
    name = f"t-{secrets.token_hex(4)}"
    run("kubectl", "create", "namespace", name, kubeconfig=kubeconfig)
    yield name
    run("kubectl", "delete", "namespace", name, "--wait=false", kubeconfig=kubeconfig)


def deployment_manifest(name: str, replicas: int) -> str:
    return json.dumps(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {
                        "containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10"}]
                    },
                },
            },
        }
    )


def test_deployment_pods_reach_running(kubeconfig: Path, namespace: str) -> None:
    run(
        "kubectl",
        "apply",
        "--namespace",
        namespace,
        "-f",
        "-",
        stdin=deployment_manifest("web", 3),
        kubeconfig=kubeconfig,
    )

    deadline = time.monotonic() + WAIT_SECONDS
    phases: list[str] = []
    while time.monotonic() < deadline:
        pods = get_json(kubeconfig, "pods", "--namespace", namespace, "-l", "app=web")["items"]
        phases = sorted(pod.get("status", {}).get("phase", "?") for pod in pods)
        if phases == ["Running"] * 3:
            break
        time.sleep(0.5)
    assert phases == ["Running"] * 3, f"pods of the Deployment never all ran: {phases}"

    pods = get_json(kubeconfig, "pods", "--namespace", namespace, "-l", "app=web")["items"]
    assert all(pod["spec"].get("nodeName") for pod in pods), "every Pod is bound to a Node"
    run(
        "kubectl",
        "rollout",
        "status",
        "deployment/web",
        "--namespace",
        namespace,
        f"--timeout={int(WAIT_SECONDS)}s",
        kubeconfig=kubeconfig,
    )
    deployment = get_json(kubeconfig, "deployment", "web", "--namespace", namespace)
    assert deployment["status"]["readyReplicas"] == 3


def test_helm_install_and_uninstall(kubeconfig: Path, namespace: str, tmp_path: Path) -> None:
    helm_home = {
        "HELM_CACHE_HOME": str(tmp_path / "helm-cache"),
        "HELM_CONFIG_HOME": str(tmp_path / "helm-config"),
        "HELM_DATA_HOME": str(tmp_path / "helm-data"),
    }
    release = "greeter"
    selector = f"app.kubernetes.io/instance={release}"
    kinds = "configmap,deployment,service"

    run(
        "helm",
        "install",
        release,
        str(TESTDATA / "hello"),
        "--namespace",
        namespace,
        "--wait",
        f"--timeout={int(WAIT_SECONDS)}s",
        kubeconfig=kubeconfig,
        env=helm_home,
    )
    names = run(
        "kubectl", "get", kinds, "-n", namespace, "-l", selector, "-o", "name",
        kubeconfig=kubeconfig,
    ).stdout.split()  # fmt: skip
    assert sorted(names) == [
        "configmap/greeter-hello",
        "deployment.apps/greeter-hello",
        "service/greeter-hello",
    ]
    deployment = get_json(kubeconfig, "deployment", "greeter-hello", "-n", namespace)
    assert deployment["status"].get("readyReplicas") == 2, "helm --wait saw the Pods ready"
    releases = json.loads(
        run(
            "helm", "list", "-n", namespace, "-o", "json", kubeconfig=kubeconfig, env=helm_home
        ).stdout
    )
    assert [(r["name"], r["status"]) for r in releases] == [(release, "deployed")]

    run(
        "helm", "uninstall", release, "--namespace", namespace, "--wait",
        f"--timeout={int(WAIT_SECONDS)}s",
        kubeconfig=kubeconfig, env=helm_home,
    )  # fmt: skip
    left = run(
        "kubectl", "get", kinds, "-n", namespace, "-l", selector, "-o", "name",
        kubeconfig=kubeconfig,
    ).stdout.split()  # fmt: skip
    assert left == []
    releases = json.loads(
        run(
            "helm", "list", "-n", namespace, "-o", "json", kubeconfig=kubeconfig, env=helm_home
        ).stdout
    )
    assert releases == []


@pytest.fixture
def widget_crd(kubeconfig: Path) -> Iterator[str]:
    """The test CRD, established; removed afterwards (with every Widget)."""
    crd = TESTDATA / "widgets-crd.yaml"
    run("kubectl", "apply", "-f", str(crd), kubeconfig=kubeconfig)
    run(
        "kubectl", "wait", "--for=condition=Established", "crd/widgets.test.eventtide.io",
        "--timeout=60s",
        kubeconfig=kubeconfig,
    )  # fmt: skip
    yield "widgets.test.eventtide.io"
    run("kubectl", "delete", "-f", str(crd), "--wait=false", kubeconfig=kubeconfig)


def widget(name: str, spec: dict[str, Any]) -> str:
    return json.dumps(
        {
            "apiVersion": "test.eventtide.io/v1",
            "kind": "Widget",
            "metadata": {"name": name},
            "spec": spec,
        }
    )


@pytest.mark.usefixtures("widget_crd")
def test_api_server_rejects_objects_violating_the_crd_schema(
    kubeconfig: Path, namespace: str
) -> None:
    def apply(name: str, spec: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        return run(
            "kubectl", "apply", "-n", namespace, "-f", "-",
            stdin=widget(name, spec), kubeconfig=kubeconfig, check=False,
        )  # fmt: skip

    good = apply("good", {"size": 3, "color": "blue"})
    assert good.returncode == 0, good.stderr

    wrong_type = apply("wrong-type", {"size": "big"})
    assert wrong_type.returncode != 0
    assert "spec.size" in wrong_type.stderr
    assert "integer" in wrong_type.stderr

    out_of_range = apply("too-big", {"size": 11})
    assert out_of_range.returncode != 0
    assert "spec.size" in out_of_range.stderr

    bad_enum = apply("purple", {"size": 1, "color": "purple"})
    assert bad_enum.returncode != 0
    assert "spec.color" in bad_enum.stderr

    cel = apply("big-red", {"size": 7, "color": "red"})
    assert cel.returncode != 0
    assert "spec.size" in cel.stderr
    assert "red widgets must have size at most 5" in cel.stderr

    stored = get_json(kubeconfig, "widgets", "-n", namespace)["items"]
    assert [item["metadata"]["name"] for item in stored] == ["good"]
