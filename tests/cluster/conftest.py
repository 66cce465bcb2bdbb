"""Cluster-tier fixtures shared by the chart and k8s/ manifest tests."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from eventtide.devstack import strimzi
from eventtide.devstack.kubernetes import tool_path


def kubectl_run(
    *args: str, kubeconfig: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """kubectl against the session's cluster; the caller checks the outcome."""
    return subprocess.run(
        [str(tool_path("kubectl")), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        timeout=120,
        check=False,
    )


def wait_for(what: str, probe: Callable[[], Any], timeout: float, *, interval: float = 0.5) -> Any:
    """Poll ``probe`` until it returns something truthy; fail naming what never happened."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last: {last!r}")


def wait_established(name: str, *, kubeconfig: Path, timeout: float = 60.0) -> None:
    """Poll until the CRD is Established.

    Polled here rather than with ``kubectl wait``, which gives up at once when a freshly
    created CRD has no conditions yet.
    """
    deadline = time.monotonic() + timeout
    jsonpath = '{.status.conditions[?(@.type=="Established")].status}'
    last = ""
    while time.monotonic() < deadline:
        got = kubectl_run("get", "crd", name, "-o", f"jsonpath={jsonpath}", kubeconfig=kubeconfig)
        last = got.stdout + got.stderr
        if got.stdout.strip() == "True":
            return
        time.sleep(0.5)
    pytest.fail(f"CRD {name} never became Established within {timeout:.0f}s: {last}")


@pytest.fixture(scope="session")
def strimzi_crds(kubeconfig: Path) -> Iterator[list[str]]:
    """Strimzi's Kafka, KafkaNodePool and KafkaTopic CRDs, established on the cluster.

    Generated from Maven Central on first use (see eventtide.devstack.strimzi). Applied
    server-side: the Kafka CRD is larger than client-side apply's annotation limit. CRDs
    that were there before the session (a kind cluster with Strimzi) are left alone;
    those this session created are removed at the end.
    """
    names = list(strimzi.CRD_CLASSES)
    present = {
        name
        for name in names
        if kubectl_run("get", "crd", name, kubeconfig=kubeconfig).returncode == 0
    }
    for path in strimzi.crd_files():
        applied = kubectl_run(
            "apply", "--server-side", "--force-conflicts", "-f", str(path), kubeconfig=kubeconfig
        )
        if applied.returncode != 0:
            pytest.fail(f"installing {path.name} failed:\n{applied.stderr}")
    for name in names:
        wait_established(name, kubeconfig=kubeconfig)
    yield names
    created = [f"crd/{name}" for name in names if name not in present]
    if created:
        kubectl_run("delete", *created, "--wait=false", kubeconfig=kubeconfig)
