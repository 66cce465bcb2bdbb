"""The Tiltfile, evaluated offline by go.starlark.net (the interpreter Tilt embeds).

``tilt`` itself cannot be built here (its module is not on the Go module proxy we can
reach), so ``tools/tiltcheck`` runs the Tiltfile with Tilt's builtins recording their
calls; these tests check the calls against the chart, the Dockerfiles and k8s/.
Needs the Go-built checker and helm: integration tier.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from eventtide.devstack import tiltcheck
from eventtide.devstack.errors import InfraError
from tests.chart.rendering import REPO, helm
from tests.images.images import SERVICES

pytestmark = pytest.mark.integration

TILTFILE = REPO / "Tiltfile"


@pytest.fixture(scope="module")
def calls() -> list[dict[str, Any]]:
    return tiltcheck.evaluate(TILTFILE)


def named(calls: list[dict[str, Any]], fn: str) -> list[dict[str, Any]]:
    return [call for call in calls if call["fn"] == fn]


def test_version_settings_comes_first(calls: list[dict[str, Any]]) -> None:
    assert calls[0]["fn"] == "version_settings"
    assert calls[0]["kwargs"]["constraint"].startswith(">=")


def test_one_docker_build_with_live_update_per_service(calls: list[dict[str, Any]]) -> None:
    builds = {call["args"][0]: call["kwargs"] for call in named(calls, "docker_build")}
    assert set(builds) == {f"ghcr.io/eventtide/{s.name}" for s in SERVICES}
    for service in SERVICES:
        kwargs = builds[f"ghcr.io/eventtide/{service.name}"]
        assert REPO / kwargs["dockerfile"] == service.dockerfile
        assert kwargs["build_args"] == service.build_args
    for image, kwargs in builds.items():
        assert kwargs["context"] == "."
        assert (REPO / kwargs["dockerfile"]).is_file(), image
        steps = [step["fn"] for step in kwargs["live_update"]]
        assert steps[0] == "fall_back_on", image
        assert "sync" in steps, image
        assert steps[-1] == "run", image
    runs = named(calls, "run")
    assert all(run["kwargs"].get("trigger") for run in runs), "run() only on a trigger"
    for sync in named(calls, "sync"):
        assert (REPO / sync["args"][0]).is_dir(), sync
        assert sync["args"][1].startswith("/tmp/"), "sync into the writable emptyDir"


def test_pipelines_get_the_built_images(calls: list[dict[str, Any]]) -> None:
    (pipeline,) = [c for c in named(calls, "k8s_kind") if c["args"][0] == "Pipeline"]
    assert "{.spec.consumer.image}" in pipeline["kwargs"]["image_json_path"]
    assert pipeline["kwargs"]["api_version"] == "eventtide.io/v1alpha1"


def rendered_names(calls: list[dict[str, Any]]) -> set[str]:
    """Workload names Tilt will see: the chart with the dev values, and k8s/ objects."""
    (call,) = named(calls, "helm")
    kwargs = call["kwargs"]
    args = ["template", kwargs["name"], str(REPO / call["args"][0]), "-n", kwargs["namespace"]]
    for values in kwargs["values"]:
        args += ["-f", str(REPO / values)]
    docs = list(yaml.safe_load_all(helm(*args).stdout))
    for k8s_call in named(calls, "k8s_yaml"):
        files = k8s_call["args"][0]
        if isinstance(files, list):
            for path in files:
                docs += list(yaml.safe_load_all((REPO / path).read_text()))
    return {doc["metadata"]["name"] for doc in docs if doc}


def test_every_resource_has_labels_and_port_forwards(calls: list[dict[str, Any]]) -> None:
    resources = named(calls, "k8s_resource")
    assert resources
    names = rendered_names(calls)
    for resource in resources:
        workload = resource["args"][0]
        assert workload in names, f"k8s_resource({workload!r}) names nothing Tilt applies"
        assert resource["kwargs"].get("labels"), workload
        assert resource["kwargs"].get("port_forwards"), workload


def test_a_broken_tiltfile_fails_evaluation(tmp_path: Path) -> None:
    broken = tmp_path / "Tiltfile"
    broken.write_text(TILTFILE.read_text() + "\nk8s_resource('x', labels=undefined_name)\n")
    with pytest.raises(InfraError, match="undefined_name"):
        tiltcheck.evaluate(broken)
