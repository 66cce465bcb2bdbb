"""The sweep of run folders left by dead runs: what it removes, what it leaves, and that
two runs sweeping at once do not trip over each other's folders."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from eventtide.devstack import workdirs

pytestmark = pytest.mark.unit

AN_HOUR_AGO = time.time() - 3_600
NO_SUCH_PID = 2**22 + 1
"""Above Linux's largest pid (4,194,304), so never a live process."""


def _run_folder(root: Path, name: str, owner: int | None) -> Path:
    folder = root / name
    folder.mkdir()
    if owner is not None:
        (folder / workdirs.OWNER_FILE).write_text(str(owner))
    os.utime(folder, (AN_HOUR_AGO, AN_HOUR_AGO))
    return folder


def test_removes_only_folders_of_dead_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workdirs, "runs_root", lambda: tmp_path)
    dead = _run_folder(tmp_path, "kafka-dead", NO_SUCH_PID)
    alive = _run_folder(tmp_path, "kafka-alive", os.getpid())
    unowned_old = _run_folder(tmp_path, "postgres-old", None)
    being_made = tmp_path / "postgres-new"
    being_made.mkdir()  # fresh and not yet owned: another run is creating it

    assert sorted(workdirs.sweep_stale()) == [dead, unowned_old]
    assert alive.exists()
    assert being_made.exists()
    assert not dead.exists()


def test_a_folder_removed_while_the_sweep_reads_it_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another run's sweep removes the folder between the listing and the owner's read:
    the sweep goes on instead of failing this run's start."""
    monkeypatch.setattr(workdirs, "runs_root", lambda: tmp_path)
    vanishing = _run_folder(tmp_path, "a-vanishing", None)
    dead = _run_folder(tmp_path, "b-dead", NO_SUCH_PID)
    owner = workdirs._owner

    def removed_meanwhile(workdir: Path) -> int | None:
        if workdir == vanishing:
            shutil.rmtree(vanishing)
        return owner(workdir)

    monkeypatch.setattr(workdirs, "_owner", removed_meanwhile)
    assert workdirs.sweep_stale() == [dead]
