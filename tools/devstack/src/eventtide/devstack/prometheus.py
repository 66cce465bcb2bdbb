"""Prometheus and promtool from the machine's packages (Debian's ``prometheus``).

The alert rules are checked and unit-tested with ``promtool``, and the dashboards'
queries run against a real Prometheus server in the e2e tier; both come from one
Debian package, installed on demand as root the way PostgreSQL is, so a fresh machine
gets them from ``make setup`` / ``make test``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Final

from eventtide.devstack.errors import InfraError
from eventtide.devstack.postgres import apt_progress
from eventtide.devstack.procs import run_step

APT_PACKAGE: Final = "prometheus"
BINARIES: Final = ("prometheus", "promtool")


def apt_commands() -> list[list[str]]:
    """What :func:`ensure_built` runs as root to install the package."""
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=300"]
    return [
        [*apt, "update"],
        [*apt, "install", "-y", "--no-install-recommends", APT_PACKAGE],
    ]


def find_bindir() -> Path | None:
    """The folder holding both ``prometheus`` and ``promtool``, or None."""
    found = [shutil.which(name) for name in BINARIES]
    if all(found):
        return Path(str(found[1])).resolve().parent
    return None


def binary(name: str) -> Path:
    """The path of ``prometheus`` or ``promtool``, installing the package if needed."""
    return ensure_built() / name


def ensure_built() -> Path:
    """The bin folder of prometheus and promtool, installed with apt-get when missing."""
    bindir = find_bindir()
    if bindir is not None:
        return bindir
    install = " && ".join(" ".join(command) for command in apt_commands())
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise InfraError(
            "prometheus and promtool were not found on PATH; install them with "
            f"`sudo sh -c '{install}'` (Debian/Ubuntu) or your package manager"
        )
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    update, install_command = apt_commands()
    run_step("apt-get update", update, env=env, progress=apt_progress())
    run_step(f"Installing {APT_PACKAGE}", install_command, env=env, progress=apt_progress())
    bindir = find_bindir()
    if bindir is None:
        raise InfraError(f"apt-get installed {APT_PACKAGE} but promtool is still not on PATH")
    return bindir
