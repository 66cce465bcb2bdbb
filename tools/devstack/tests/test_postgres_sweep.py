"""The sweep of /tmp clusters left by earlier runs: what it removes, what it leaves, and
that two starts sweeping at once do not trip over each other's folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eventtide.devstack import postgres
from eventtide.devstack.procs import children_of

pytestmark = pytest.mark.unit

PREFIX = "eventtide-postgres-"
AN_HOUR_AGO = time.time() - 3_600


def _cluster(tmp: Path, name: str, owner: Path | None, pid: int | None = None) -> Path:
    folder = tmp / f"{PREFIX}{name}"
    (folder / "data").mkdir(parents=True)
    if owner is not None:
        (folder / "linked-from").write_text(f"{owner}\n")
    if pid is not None:
        (folder / "data" / "postmaster.pid").write_text(f"{pid}\n/data\n")
    os.utime(folder, (AN_HOUR_AGO, AN_HOUR_AGO))
    return folder


def test_removes_only_clusters_without_owner_or_server(tmp_path: Path) -> None:
    live_owner = tmp_path / "workdir"
    live_owner.mkdir()
    gone = tmp_path / "removed-workdir"
    orphan = _cluster(tmp_path, "orphan", gone)
    owned = _cluster(tmp_path, "owned", live_owner)
    running = _cluster(tmp_path, "running", gone, pid=os.getpid())
    unlinked_old = _cluster(tmp_path, "unlinked-old", None)
    being_made = tmp_path / f"{PREFIX}being-made"
    being_made.mkdir()  # fresh and not yet linked: another start is creating it

    postgres._sweep_orphans(tmp_path)

    assert not orphan.exists()
    assert not unlinked_old.exists()
    assert owned.exists()
    assert running.exists()
    assert being_made.exists()


def test_a_folder_removed_while_the_sweep_reads_it_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another start removes the folder between the listing and the read (its owner
    stopping, or a second sweep): the sweep goes on instead of failing the start."""
    vanishing = _cluster(tmp_path, "vanishing", None)
    orphan = _cluster(tmp_path, "orphan", tmp_path / "gone")
    read_text = Path.read_text

    def removed_meanwhile(path: Path, *args: object, **kwargs: object) -> str:
        if path.parent == vanishing:
            shutil.rmtree(vanishing)
        return read_text(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", removed_meanwhile)
    postgres._sweep_orphans(tmp_path)

    assert not vanishing.exists()
    assert not orphan.exists()


def test_children_of_finds_a_process_started_here() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in children_of(os.getpid())
        assert child.pid not in children_of(child.pid)
    finally:
        child.kill()
        child.wait()
