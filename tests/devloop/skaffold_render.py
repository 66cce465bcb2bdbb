"""What ``skaffold render --offline --digest-source=none`` would produce, without skaffold.

skaffold cannot be built here (its module is not on the Go module proxy we can reach), so
this follows its documented steps for a helm release: apply the profile's JSON patches,
fill ``{{.IMAGE_REPO_<artifact>}}``-style templates from the artifacts (tag "dev", no
digest), and run ``helm template`` with the release's values files and values.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

from tests.chart.rendering import REPO, helm

SKAFFOLD = REPO / "skaffold.yaml"
TAG = "dev"


def load() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(SKAFFOLD.read_text())
    return config


def artifact_key(image: str) -> str:
    """skaffold's template name for an artifact: every non-alphanumeric becomes ``_``."""
    return re.sub(r"[^A-Za-z0-9]", "_", image)


def apply_patches(config: dict[str, Any], profile: str) -> dict[str, Any]:
    """The config with one profile's JSON patches (add/replace) applied."""
    result = copy.deepcopy(config)
    (chosen,) = [p for p in config["profiles"] if p["name"] == profile]
    for patch in chosen.get("patches", []):
        assert patch["op"] in ("add", "replace"), patch
        keys = [int(k) if k.isdigit() else k for k in patch["path"].strip("/").split("/")]
        target: Any = result
        for key in keys[:-1]:
            target = target[key]
        if patch["op"] == "replace":
            assert keys[-1] in target or isinstance(target, list), patch["path"]
        target[keys[-1]] = patch["value"]
    return result


def template_values(config: dict[str, Any]) -> dict[str, str]:
    """``IMAGE_REPO_x``, ``IMAGE_TAG_x`` and ``IMAGE_FULLY_QUALIFIED_x`` per artifact."""
    values = {}
    for artifact in config["build"]["artifacts"]:
        key = artifact_key(artifact["image"])
        values[f"IMAGE_REPO_{key}"] = artifact["image"]
        values[f"IMAGE_TAG_{key}"] = TAG
        values[f"IMAGE_FULLY_QUALIFIED_{key}"] = f"{artifact['image']}:{TAG}"
    return values


def fill(template: str, values: dict[str, str]) -> str:
    """Expand ``{{.NAME}}``; an unknown name is an error, as in skaffold."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"skaffold.yaml refers to {name}, which no artifact provides")
        return values[name]

    return re.sub(r"\{\{\s*\.(\w+)\s*\}\}", one, template)


def render(profile: str) -> str:
    """The manifests of the profile's helm releases, as one YAML stream."""
    config = apply_patches(load(), profile)
    values = template_values(config)
    out = []
    for release in config["deploy"]["helm"]["releases"]:
        args = ["template", release["name"], str(REPO / release["chartPath"])]
        args += ["--namespace", release.get("namespace", "default")]
        for path in release.get("valuesFiles", []):
            args += ["-f", str(Path(REPO / path))]
        for key, template in release.get("setValueTemplates", {}).items():
            args += ["--set-string", f"{key}={fill(template, values)}"]
        for key, value in release.get("setValues", {}).items():
            args += ["--set", f"{key}={value}"]
        out.append(helm(*args).stdout)
    return "\n---\n".join(out)
