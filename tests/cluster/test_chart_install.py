"""``helm install`` of charts/eventtide on the real API server, and ``helm uninstall``.

kwok plays the kubelet, so the chart's Pods are "Running" without running: it proves the
API server accepts every object (Deployments, Services, the API's PodDisruptionBudget and
Ingress, the NetworkPolicies) and that every Deployment becomes Available.
The Pipeline is reconciled by a real ``eventtide operator`` process started here against
the same API server (and the session's Kafka broker), exactly as the container would run.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from eventtide.devstack.kubernetes import tool_path
from eventtide.devstack.ports import free_port
from tests.cluster.conftest import kubectl_run
from tests.cluster.conftest import wait_for as poll_until

pytestmark = pytest.mark.cluster

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "eventtide"
WAIT_S = 120.0
NAMESPACED = (
    "deployments,services,serviceaccounts,configmaps,networkpolicies,poddisruptionbudgets,"
    "ingresses,pipelines.eventtide.io"
)
COMPONENTS = (
    "api", "consumer", "ml", "ml-behave", "ml-detect", "operator", "processor", "producer"
)  # fmt: skip


def helm(*args: str, kubeconfig: Path, home: Path) -> str:
    """The built helm against the session's cluster, with its state in ``home``."""
    result = subprocess.run(
        [str(tool_path("helm")), *args],
        capture_output=True,
        text=True,
        timeout=WAIT_S + 60,
        check=False,
        env={
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "HELM_CACHE_HOME": str(home / "cache"),
            "HELM_CONFIG_HOME": str(home / "config"),
            "HELM_DATA_HOME": str(home / "data"),
        },
    )
    assert result.returncode == 0, f"helm {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def kubectl_json(kubeconfig: Path, *args: str) -> Any:
    result = kubectl_run("get", *args, "-o", "json", kubeconfig=kubeconfig)
    return json.loads(result.stdout) if result.returncode == 0 else None


def wait_for(what: str, probe: Callable[[], Any], timeout: float = WAIT_S) -> Any:
    return poll_until(what, probe, timeout, interval=0.5)


def available(deployment: dict[str, Any]) -> bool:
    conditions = deployment.get("status", {}).get("conditions", [])
    return any(c["type"] == "Available" and c["status"] == "True" for c in conditions)


def ready_condition(pipeline: Any) -> dict[str, Any]:
    for item in (pipeline or {}).get("status", {}).get("conditions", []):
        if item["type"] == "Ready":
            return dict(item)
    return {}


@pytest.fixture
def namespace(kubeconfig: Path) -> Iterator[str]:
    name = f"chart-{secrets.token_hex(4)}"
    assert kubectl_run("create", "namespace", name, kubeconfig=kubeconfig).returncode == 0
    yield name
    kubectl_run("delete", "namespace", name, "--wait=false", kubeconfig=kubeconfig)


@pytest.fixture
def operator_process(kubeconfig: Path, namespace: str, tmp_path: Path) -> Iterator[Path]:
    """``eventtide operator --namespace <ns>`` as a process; its log file is yielded."""
    log = tmp_path / "operator.log"
    eventtide = Path(sys.executable).parent / "eventtide"
    liveness = f"http://127.0.0.1:{free_port()}/healthz"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(eventtide), "operator", "--namespace", namespace, "--liveness", liveness],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        )
    try:
        yield log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_helm_install_runs_and_helm_uninstall_removes_everything(
    kubeconfig: Path,
    kafka_bootstrap: str,
    namespace: str,
    operator_process: Path,
    tmp_path: Path,
) -> None:
    release = f"et{secrets.token_hex(3)}"
    secret = kubectl_run(
        "create", "secret", "generic", "eventtide-database", "-n", namespace,
        "--from-literal=url=postgresql+psycopg://eventtide@db:5432/eventtide",
        kubeconfig=kubeconfig,
    )  # fmt: skip
    assert secret.returncode == 0, secret.stderr

    every_component = [a for c in COMPONENTS for a in ("--set", f"components.{c}.enabled=true")]
    installed = helm(
        "install", release, str(CHART), "--namespace", namespace,
        "--set", "pipeline.enabled=true",
        "--set", f"kafka.bootstrapServers={kafka_bootstrap}",
        "--set", f"pipeline.spec.topic.name={namespace}.events",
        "--set", "pipeline.spec.topic.partitions=2",
        "--set", "pipeline.spec.consumer.maxReplicas=2",
        "--set", "pipeline.spec.processor.enabled=true",
        "--set", "pipeline.spec.processor.maxReplicas=2",
        "--set", "pipeline.spec.ml.enabled=true",
        "--set", "ingress.enabled=true",
        *every_component,
        "--wait", f"--timeout={int(WAIT_S)}s",
        kubeconfig=kubeconfig, home=tmp_path,
    )  # fmt: skip
    assert f"rollout status deployment/{release}-eventtide-operator" in installed
    assert "get pipeline events" in installed
    assert "http://eventtide.example.com/" in installed, "the notes say where the API is"

    # The chart's own Deployments become Available (kwok runs their Pods). helm's --wait
    # can return on their ready replicas a moment before the deployment controller sets
    # the condition (seen once in a full suite: the test read them 1.7 s in), so it is
    # polled, and a failure names the Deployments that never got there.
    selector = f"app.kubernetes.io/instance={release}"
    chart_deployments = kubectl_json(kubeconfig, "deployments", "-n", namespace, "-l", selector)
    names = sorted(d["metadata"]["name"] for d in chart_deployments["items"])
    assert names == [f"{release}-eventtide-{c}" for c in COMPONENTS]

    def unavailable() -> list[str]:
        listed = kubectl_json(kubeconfig, "deployments", "-n", namespace, "-l", selector)
        if listed is None:
            return ["(kubectl get deployments failed)"]  # asked again until the deadline
        return [d["metadata"]["name"] for d in listed["items"] if not available(d)]

    deadline = time.monotonic() + 60
    while (waiting := unavailable()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not waiting, f"not Available after 60 s: {waiting}"
    pod_spec = chart_deployments["items"][0]["spec"]["template"]["spec"]
    assert pod_spec["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True

    # The operator process reconciles the chart's Pipeline until it is Ready.
    def pipeline_ready() -> Any:
        pipeline = kubectl_json(kubeconfig, "pipeline", "events", "-n", namespace)
        processor = (pipeline or {}).get("status", {}).get("processor", {})
        ready = ready_condition(pipeline).get("status") == "True"
        return ready and processor.get("replicas") == 1 and pipeline

    try:
        pipeline = wait_for("the Pipeline to be Ready", pipeline_ready)
    except AssertionError as error:
        raise AssertionError(f"{error}\noperator log:\n{operator_process.read_text()}") from None
    assert pipeline["status"]["observedGeneration"] == pipeline["metadata"]["generation"]
    assert pipeline["status"]["processor"]["lastScaleDecision"]["inputs"]
    columns = kubectl_run("get", "pl", "events", "-n", namespace, kubeconfig=kubeconfig).stdout
    assert "PROC-LAG" in columns, columns
    every = wait_for(
        "every Deployment in the namespace to be Available",
        lambda: (
            (items := kubectl_json(kubeconfig, "deployments", "-n", namespace)["items"])
            and len(items) == len(COMPONENTS) + 5
            and all(available(d) for d in items)
            and items
        ),
    )
    owned = sorted(d["metadata"]["name"] for d in every if d["metadata"].get("ownerReferences"))
    assert owned == [
        "events-consumer", "events-ml", "events-ml-behave", "events-ml-detect", "events-processor",
    ]  # fmt: skip
    refs = [r for d in every for r in d["metadata"].get("ownerReferences", [])]
    assert {r["kind"] for r in refs} == {"Pipeline"}

    helm("uninstall", release, "--namespace", namespace, "--wait", f"--timeout={int(WAIT_S)}s",
         kubeconfig=kubeconfig, home=tmp_path)  # fmt: skip

    def leftovers() -> list[str]:
        result = kubectl_run(
            "get", NAMESPACED, "-n", namespace, "-o", "name", kubeconfig=kubeconfig
        )
        names = result.stdout.split()
        return [
            name
            for name in names
            if name not in ("serviceaccount/default", "configmap/kube-root-ca.crt")
        ]

    deadline = time.monotonic() + WAIT_S
    while (left := leftovers()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert left == [], "helm uninstall (and the Pipeline's owner references) removed everything"
    cluster_scoped = kubectl_run(
        "get", "clusterroles,clusterrolebindings", "-l", selector, "-o", "name",
        kubeconfig=kubeconfig,
    )  # fmt: skip
    assert cluster_scoped.stdout.split() == []
    kept = kubectl_run(
        "get", "secret", "eventtide-database", "-n", namespace, kubeconfig=kubeconfig
    )
    assert kept.returncode == 0, "a Secret the user made stays"
