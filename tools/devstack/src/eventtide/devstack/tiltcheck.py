"""``tools/tiltcheck``: evaluate the Tiltfile offline with the Starlark interpreter Tilt embeds.

Tilt's Go module is not served by the module proxy this project uses, so ``tilt alpha
tiltfile-result`` cannot be built here; go.starlark.net can. The small program in
tools/tiltcheck runs the Tiltfile with each Tilt builtin recording its call, and prints
the calls as JSON for tests to check. Built once into the cache, like the other Go tools.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from eventtide.devstack.binaries import machine_go
from eventtide.devstack.cache import cache_dir, repo_root
from eventtide.devstack.errors import InfraError
from eventtide.devstack.procs import run_step


def source_dir() -> Path:
    """The Go module of the checker."""
    return repo_root() / "tools" / "tiltcheck"


def _digest(folder: Path) -> str:
    parts = [(folder / name).read_bytes() for name in ("go.mod", "go.sum", "main.go")]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:12]


def ensure_built() -> Path:
    """The built ``tiltcheck`` binary, compiled on first use (GOTOOLCHAIN=local)."""
    folder = source_dir()
    binary = cache_dir("tiltcheck", _digest(folder)) / "tiltcheck"
    if binary.exists():
        return binary
    go = machine_go()
    if go is None:
        raise InfraError("Go is needed once to build tools/tiltcheck (the Tiltfile checker)")
    scratch = binary.with_name(f"tiltcheck.{os.getpid()}.tmp")
    run_step(
        "Building tools/tiltcheck (go.starlark.net)",
        [go, "build", "-trimpath", "-o", scratch, "."],
        cwd=folder,
        env={"GOTOOLCHAIN": "local", "CGO_ENABLED": "0"},
    )
    scratch.replace(binary)
    return binary


def evaluate(tiltfile: Path) -> list[dict[str, Any]]:
    """Every Tilt builtin call the Tiltfile makes, in order; raises on a Starlark error."""
    result = subprocess.run(
        [str(ensure_built()), str(tiltfile)],
        cwd=tiltfile.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise InfraError(f"{tiltfile} does not evaluate:\n{result.stderr}")
    calls: list[dict[str, Any]] = json.loads(result.stdout)
    return calls
