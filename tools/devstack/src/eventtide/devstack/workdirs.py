"""Temporary data folders that a killed run cannot leave in the way of the next one.

Each folder records the pid that owns it. Before a new one is made, folders whose owner
is gone are swept away, together with any server processes recorded in them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from eventtide.devstack.cache import cache_dir
from eventtide.devstack.procs import pid_alive, stop_pid

OWNER_FILE = "owner.pid"
SERVERS_FILE = "servers.pids"
_UNOWNED_GRACE_SECONDS = 300.0


def runs_root() -> Path:
    """Where every run's data folders live."""
    return cache_dir("runs")


def new_workdir(component: str, owner_pid: int | None = None) -> Path:
    """A fresh folder for one component's data, owned by ``owner_pid`` (default: us)."""
    sweep_stale()
    path = Path(tempfile.mkdtemp(prefix=f"{component}-", dir=runs_root()))
    (path / OWNER_FILE).write_text(str(owner_pid or os.getpid()))
    return path


def record_servers(workdir: Path, pids: tuple[int, ...]) -> None:
    """Remember which server processes use this folder, so a sweep can stop them."""
    (workdir / SERVERS_FILE).write_text("\n".join(str(pid) for pid in pids))


def set_owner(workdir: Path, owner_pid: int) -> None:
    """Hand the folder to another process (``dev infra up`` hands it to the servers)."""
    (workdir / OWNER_FILE).write_text(str(owner_pid))


def _owner(workdir: Path) -> int | None:
    try:
        return int((workdir / OWNER_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def sweep_stale() -> list[Path]:
    """Remove folders (and stop servers) left by runs that died; returns what was removed."""
    removed: list[Path] = []
    for workdir in sorted(runs_root().iterdir()):
        if not workdir.is_dir():
            continue
        owner = _owner(workdir)
        if owner is not None and pid_alive(owner):
            continue
        try:
            age = time.time() - workdir.stat().st_mtime
        except FileNotFoundError:
            continue  # removed meanwhile, by another run's sweep
        if owner is None and age < _UNOWNED_GRACE_SECONDS:
            continue  # another run is creating it right now
        try:
            servers = (workdir / SERVERS_FILE).read_text().split()
        except FileNotFoundError:
            servers = []  # none recorded, or removed meanwhile
        for line in servers:
            if line.isdigit() and pid_alive(int(line)):
                stop_pid(int(line), grace_seconds=5.0)
        shutil.rmtree(workdir, ignore_errors=True)
        removed.append(workdir)
    return removed
