"""Where built toolchains live, so a second run reuses the first run's work."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from eventtide.devstack.settings import DevstackSettings


def cache_root() -> Path:
    """The cache folder: ``$EVENTTIDE_CACHE`` or ``~/.cache/eventtide``, created on demand."""
    configured = DevstackSettings().cache
    root = Path(configured).expanduser() if configured else Path.home() / ".cache" / "eventtide"
    root.mkdir(parents=True, exist_ok=True)
    return root


def cache_dir(*parts: str) -> Path:
    """A sub-folder of the cache, created on demand."""
    path = cache_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def repo_root() -> Path:
    """The repository checkout this package was installed from (editable install)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "tools" / "kafka" / "pom.xml").exists():
            return parent
    raise RuntimeError(
        f"cannot find the eventtide repository above {here}; "
        "eventtide.devstack must be installed from a checkout (uv sync)"
    )


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """One build per cache folder at a time, across processes (parallel test workers)."""
    with (folder / ".build.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
