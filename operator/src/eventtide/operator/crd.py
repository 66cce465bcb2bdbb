"""The Pipeline CRD file, and its schema defaults applied to plain dictionaries.

Why apply defaults here when the API server already does: the pure builders and the
policy are tested with plain data that never went through an API server, and the one
source of truth for every default is the CRD file, not a second copy in Python.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

GROUP = "eventtide.io"
VERSION = "v1alpha1"
PLURAL = "pipelines"
KIND = "Pipeline"
_HERE = Path(__file__).resolve().parent


def manifests_dir() -> Path:
    """``manifests/`` inside the installed package, or ``operator/manifests`` in the repo."""
    for candidate in (_HERE / "manifests", _HERE.parents[2] / "manifests"):
        if (candidate / "pipeline-crd.yaml").is_file():
            return candidate
    raise FileNotFoundError("pipeline-crd.yaml not found next to the package or in the repo")


def crd_path() -> Path:
    """Path of the CRD YAML."""
    return manifests_dir() / "pipeline-crd.yaml"


@lru_cache(maxsize=1)
def load_crd() -> dict[str, Any]:
    """The CRD as a dictionary (read once)."""
    loaded: dict[str, Any] = yaml.safe_load(crd_path().read_text())
    return loaded


def spec_schema() -> dict[str, Any]:
    """The OpenAPI schema of ``spec``."""
    version = next(v for v in load_crd()["spec"]["versions"] if v["name"] == VERSION)
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    return schema


def with_defaults(schema: dict[str, Any], value: Any) -> Any:
    """``value`` with the schema's defaults filled in, as the API server would do it."""
    if value is None and "default" in schema:
        value = copy.deepcopy(schema["default"])
    if isinstance(value, dict) and "properties" in schema:
        result = dict(value)
        for key, sub in schema["properties"].items():
            if key in result or "default" in sub:
                result[key] = with_defaults(sub, result.get(key))
        return result
    return value


def defaulted_spec(spec: dict[str, Any] | None) -> dict[str, Any]:
    """A Pipeline spec with every default the CRD declares."""
    result: dict[str, Any] = with_defaults(spec_schema(), spec or {})
    return result
