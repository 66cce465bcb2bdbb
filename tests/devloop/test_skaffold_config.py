"""skaffold.yaml's structure: one artifact per service, helm deploy, dev and staging."""

from __future__ import annotations

import re

import pytest

from tests.chart.rendering import REPO
from tests.devloop.skaffold_render import apply_patches, artifact_key, load
from tests.images.images import SERVICES

pytestmark = pytest.mark.unit


def test_one_artifact_per_service_built_from_the_root() -> None:
    artifacts = load()["build"]["artifacts"]
    by_image = {a["image"]: a for a in artifacts}
    assert set(by_image) == {f"ghcr.io/eventtide/{s.name}" for s in SERVICES}
    for service in SERVICES:
        artifact = by_image[f"ghcr.io/eventtide/{service.name}"]
        assert artifact["context"] == "."
        assert REPO / artifact["docker"]["dockerfile"] == service.dockerfile
        assert artifact["docker"]["buildArgs"] == service.build_args


def test_images_reach_the_chart_by_artifact_name() -> None:
    config = load()
    keys = {artifact_key(a["image"]) for a in config["build"]["artifacts"]}
    (release,) = config["deploy"]["helm"]["releases"]
    referenced = set()
    for template in release["setValueTemplates"].values():
        for name in re.findall(r"\{\{\s*\.IMAGE_\w+?_(ghcr_io_\w+)\s*\}\}", template):
            referenced.add(name)
    assert referenced == keys, "every artifact is used and every reference is an artifact"
    assert (REPO / release["chartPath"] / "Chart.yaml").is_file()


@pytest.mark.parametrize("profile", ["dev", "staging"])
def test_profiles_point_at_existing_values_files(profile: str) -> None:
    config = apply_patches(load(), profile)
    (release,) = config["deploy"]["helm"]["releases"]
    assert release["valuesFiles"]
    for path in release["valuesFiles"]:
        assert (REPO / path).is_file(), path


def test_staging_pushes_and_dev_does_not() -> None:
    assert apply_patches(load(), "staging")["build"]["local"]["push"] is True
    assert apply_patches(load(), "dev")["build"]["local"]["push"] is False
