"""The pieces of local infrastructure and the one interface they share."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol, cast

from eventtide.devstack.endpoint import Endpoint

COMPONENTS: tuple[str, ...] = ("kafka", "postgres", "kubernetes")
"""Every component, in start order (cheapest first, so a broken toolchain fails fast)."""

TOOLCHAINS: tuple[str, ...] = (*COMPONENTS, "opentofu", "prometheus")
"""Everything ``dev infra build`` prepares: the components plus tools that only run."""

ENV_OVERRIDES: dict[str, str] = {
    "kafka": "KAFKA_BOOTSTRAP_SERVERS",
    "postgres": "DATABASE_URL",
    "kubernetes": "KUBECONFIG",
}
"""The standard variable that points each component at something already running."""


class Component(Protocol):
    """What each ``eventtide.devstack.<component>`` module provides."""

    def ensure_built(self) -> Path:
        """Build or fetch the toolchain into the cache (idempotent)."""
        ...

    def external_endpoint(self) -> Endpoint | None:
        """The endpoint named by the environment, or None when nothing is configured."""
        ...

    def start(self, workdir: Path, *, tied_to_parent: bool) -> Endpoint:
        """Start a fresh instance whose data lives in ``workdir``."""
        ...


class Toolchain(Protocol):
    """What every buildable module provides."""

    def ensure_built(self) -> Path:
        """Build or fetch the toolchain into the cache (idempotent)."""
        ...


def toolchain(name: str) -> Toolchain:
    """The module that builds ``name``."""
    if name not in TOOLCHAINS:
        raise ValueError(f"unknown toolchain {name!r}; choose from {', '.join(TOOLCHAINS)}")
    return cast(Toolchain, importlib.import_module(f"eventtide.devstack.{name}"))


def component(name: str) -> Component:
    """The module implementing ``name``; imported lazily so unused toolchains cost nothing."""
    if name not in COMPONENTS:
        raise ValueError(f"unknown component {name!r}; choose from {', '.join(COMPONENTS)}")
    return cast(Component, importlib.import_module(f"eventtide.devstack.{name}"))
