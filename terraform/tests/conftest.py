"""Parsed Terraform configuration for the static tests.

Each module folder is parsed with python-hcl2 into a :class:`Config` that answers the
questions the tests ask: which resources, variables, outputs and locals exist and what
their arguments say. Expressions stay strings (``"${var.x}"``); literals are Python values.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import hcl2
import pytest
from hcl2.utils import SerializationOptions

TERRAFORM_DIR = Path(__file__).resolve().parents[1]
MODULE_DIRS = {
    "network": TERRAFORM_DIR / "modules" / "network",
    "msk": TERRAFORM_DIR / "modules" / "msk",
    "rds": TERRAFORM_DIR / "modules" / "rds",
    "staging": TERRAFORM_DIR / "environments" / "staging",
}
_OPTIONS = SerializationOptions(
    with_comments=False, explicit_blocks=False, strip_string_quotes=True
)


def parse_file(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        return dict(hcl2.load(handle, serialization_options=_OPTIONS))


@dataclass
class Config:
    """The blocks of one Terraform module folder, merged over its .tf files."""

    path: Path
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _labelled(self, kind: str) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for parsed in self.files.values():
            for block in parsed.get(kind, []):
                for type_name, named in block.items():
                    for name, body in named.items():
                        found[(type_name, name)] = body
        return found

    def _named(self, kind: str) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for parsed in self.files.values():
            for block in parsed.get(kind, []):
                found.update(block)
        return found

    @property
    def resources(self) -> dict[tuple[str, str], dict[str, Any]]:
        return self._labelled("resource")

    @property
    def data(self) -> dict[tuple[str, str], dict[str, Any]]:
        return self._labelled("data")

    @property
    def ephemerals(self) -> dict[tuple[str, str], dict[str, Any]]:
        return self._labelled("ephemeral")

    @property
    def variables(self) -> dict[str, dict[str, Any]]:
        return self._named("variable")

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        return self._named("output")

    @property
    def module_calls(self) -> dict[str, dict[str, Any]]:
        return self._named("module")

    @property
    def providers(self) -> dict[str, dict[str, Any]]:
        return self._named("provider")

    @property
    def locals(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for parsed in self.files.values():
            for block in parsed.get("locals", []):
                merged.update(block)
        return merged

    @property
    def terraform_blocks(self) -> list[dict[str, Any]]:
        return [block for parsed in self.files.values() for block in parsed.get("terraform", [])]

    def resource(self, type_name: str, name: str = "this") -> dict[str, Any]:
        try:
            return self.resources[(type_name, name)]
        except KeyError:
            raise AssertionError(f"{self.path.name}: no resource {type_name}.{name}") from None

    def of_type(self, type_name: str) -> dict[str, dict[str, Any]]:
        return {name: body for (kind, name), body in self.resources.items() if kind == type_name}

    def default(self, variable: str) -> Any:
        return self.variables[variable].get("default")

    def text(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.path.glob("*.tf")))


def load_config(path: Path) -> Config:
    config = Config(path)
    for tf in sorted(path.glob("*.tf")):
        config.files[tf.name] = parse_file(tf)
    return config


@pytest.fixture(scope="session")
def configs() -> dict[str, Config]:
    return {name: load_config(path) for name, path in MODULE_DIRS.items()}


@pytest.fixture(scope="session")
def network(configs: dict[str, Config]) -> Config:
    return configs["network"]


@pytest.fixture(scope="session")
def msk(configs: dict[str, Config]) -> Config:
    return configs["msk"]


@pytest.fixture(scope="session")
def rds(configs: dict[str, Config]) -> Config:
    return configs["rds"]


@pytest.fixture(scope="session")
def staging(configs: dict[str, Config]) -> Config:
    return configs["staging"]


@pytest.fixture(scope="session")
def staging_values() -> ModuleType:
    """terraform/scripts/staging_values.py, imported from its path (it is not a package)."""
    path = TERRAFORM_DIR / "scripts" / "staging_values.py"
    spec = importlib.util.spec_from_file_location("staging_values", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
