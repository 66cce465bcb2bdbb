"""What the image tests know about each service: its Dockerfile, package and command."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


DOCKERFILE = REPO / "Dockerfile"
"""The one Dockerfile; ``--build-arg PACKAGE=<component>`` picks what it builds."""

DASHBOARD_STAGE = "dashboard"
"""The Node stage that installs the dashboard's chart library from the npm lockfile."""


@dataclass(frozen=True)
class Service:
    """One image: the component's name, its folder, the package and its subcommand."""

    name: str
    folder: str
    package: str
    command: str

    @property
    def dockerfile(self) -> Path:
        return DOCKERFILE

    @property
    def build_args(self) -> dict[str, str]:
        """What CI, skaffold and Tilt pass: PACKAGE, and PACKAGE_DIR off services/."""
        args = {"PACKAGE": self.name}
        if self.folder != f"services/{self.name}":
            args["PACKAGE_DIR"] = self.folder
        return args


SERVICES = (
    Service("producer", "services/producer", "eventtide-producer", "produce"),
    Service("consumer", "services/consumer", "eventtide-consumer", "consume"),
    Service("api", "services/api", "eventtide-api", "api"),
    Service("processor", "services/processor", "eventtide-processor", "process"),
    Service("ml", "services/ml", "eventtide-ml", "ml"),
    Service("operator", "operator", "eventtide-operator", "operator"),
)


def members() -> dict[str, str]:
    """Workspace distribution name -> folder, from the root pyproject and each member's."""
    root = tomllib.loads((REPO / "pyproject.toml").read_text())
    found = {}
    for folder in root["tool"]["uv"]["workspace"]["members"]:
        project = tomllib.loads((REPO / folder / "pyproject.toml").read_text())["project"]
        found[project["name"]] = folder
    return found


def workspace_closure(package: str) -> set[str]:
    """``package`` and every workspace member it depends on, transitively."""
    folders = members()
    seen: set[str] = set()
    todo = [package]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        project = tomllib.loads((REPO / folders[name] / "pyproject.toml").read_text())["project"]
        for requirement in project.get("dependencies", []):
            dep = requirement.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip()
            if dep in folders:
                todo.append(dep)
    return seen
