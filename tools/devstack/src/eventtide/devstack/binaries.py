"""Where the tools that tests and scripts run come from: the project's set-up, not chance.

A tool found on PATH only because someone installed it by hand makes the suite pass on
that machine and fail on a fresh one (a test once needed a ``uv`` that only a prepared
machine had). So uv is always the pinned one the Makefile installs into the cache, and
only what the machine itself provides (Go, Java, Maven, OpenSSL, PostgreSQL from Debian)
is looked up on PATH.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from eventtide.devstack.errors import InfraError
from eventtide.devstack.settings import DevstackSettings

UV_ENV = "EVENTTIDE_UV"
"""Set by the Makefile to its pinned uv (``$(EVENTTIDE_CACHE)/uv-<version>/bin/uv``)."""

GO_FALLBACKS: tuple[Path, ...] = (Path("/usr/local/go/bin/go"),)
"""Where Go's own installer puts it when a login shell has not added it to PATH."""


def pinned_uv() -> str:
    """The Makefile's pinned uv, else the uv running this process (``uv run`` sets $UV).

    Never a bare ``uv`` from PATH: that one exists only where someone installed it.
    """
    settings = DevstackSettings()
    for candidate in (settings.pinned_uv, settings.running_uv):
        if candidate and Path(candidate).is_file():
            return candidate
    raise InfraError(
        "the pinned uv is not known to this process: run it through `make` (which installs "
        f"uv into $EVENTTIDE_CACHE and exports {UV_ENV}) or through `uv run`, "
        f"or set {UV_ENV} to a uv binary"
    )


def machine_go() -> str | None:
    """The machine's Go (PATH, then Go's default install folder); None when absent."""
    return shutil.which("go") or next((str(p) for p in GO_FALLBACKS if p.is_file()), None)
