"""Shared helpers: where the chart is, and ``helm template`` output as Python objects."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from eventtide.devstack.kubernetes import tool_path

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "eventtide"
STAGING_VALUES = CHART / "values-staging.yaml"
OPERATOR_CRD = REPO / "operator" / "manifests" / "pipeline-crd.yaml"
CHART_CRD = CHART / "crds" / "pipeline-crd.yaml"


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the built helm binary (no cluster needed for lint and template)."""
    result = subprocess.run(
        [str(tool_path("helm")), *args], capture_output=True, text=True, timeout=120, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def render(*args: str) -> list[dict[str, Any]]:
    """``helm template`` of the chart with extra arguments, as a list of objects."""
    out = helm("template", "rel", str(CHART), "--namespace", "ns", *args).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def containers(objects: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(workload name, pod spec, container) for every container of every Pod template."""
    found = []
    for obj in objects:
        pod = obj.get("spec", {}).get("template", {}).get("spec")
        if pod is None:
            continue
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            found.append((obj["metadata"]["name"], pod, container))
    return found
