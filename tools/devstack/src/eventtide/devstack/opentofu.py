"""OpenTofu (``tofu``) built from the Go module proxy, for the Terraform checks.

``github.com/opentofu/opentofu`` cannot be ``go install``ed: its go.mod carries a replace
directive, and replace directives only apply in the main module. ``tools/opentofu`` is a
wrapper module that requires the release, copies that directive and declares
``cmd/tofu`` as a tool; :func:`ensure_built` builds it once into the cache with the local
Go toolchain (``GOTOOLCHAIN=local``) and returns the binary's path.

``EVENTTIDE_TOFU`` names an existing ``tofu`` binary to use instead of building one.
Run ``python -m eventtide.devstack.opentofu`` to build and print the path.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from eventtide.devstack.binaries import machine_go
from eventtide.devstack.cache import cache_dir
from eventtide.devstack.errors import InfraError
from eventtide.devstack.procs import log, run_step
from eventtide.devstack.settings import DevstackSettings

MODULE = "github.com/opentofu/opentofu"
COMMAND_PACKAGE = f"{MODULE}/cmd/tofu"
OVERRIDE_ENV = "EVENTTIDE_TOFU"

_REQUIRE = re.compile(rf"^\s*(?:require\s+)?{re.escape(MODULE)}\s+(v\S+)", re.MULTILINE)
_GO_LINE = re.compile(r"^go\s+(\d+(?:\.\d+){1,2})\s*$", re.MULTILINE)


def wrapper_dir() -> Path:
    """``tools/opentofu`` of the checkout this package was installed from."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "tools" / "opentofu"
        if (candidate / "go.mod").is_file():
            return candidate
    raise InfraError(
        f"cannot find tools/opentofu/go.mod above {here}; eventtide.devstack must be "
        "installed from an eventtide checkout (uv sync)"
    )


def pinned_version(go_mod: Path | None = None) -> str:
    """The OpenTofu release the wrapper module requires, for example ``v1.12.6``."""
    path = go_mod or wrapper_dir() / "go.mod"
    match = _REQUIRE.search(path.read_text())
    if not match:
        raise InfraError(f"{path} does not require {MODULE}; the wrapper module is damaged")
    return match.group(1)


def required_go(go_mod: Path | None = None) -> tuple[int, ...]:
    """The Go version the wrapper's ``go`` line asks for, as a tuple."""
    path = go_mod or wrapper_dir() / "go.mod"
    match = _GO_LINE.search(path.read_text())
    if not match:
        raise InfraError(f"{path} has no go line")
    return _version_tuple(match.group(1))


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = tuple(int(part) for part in text.split("."))
    return parts + (0,) * (3 - len(parts))


def _local_go() -> tuple[str, tuple[int, ...]]:
    go = machine_go()
    if go is None:
        raise InfraError(
            "OpenTofu is built from source and needs Go on PATH (https://go.dev/dl/); "
            f"or set {OVERRIDE_ENV} to an existing tofu binary"
        )
    version = subprocess.run(
        [go, "env", "GOVERSION"],
        env={**os.environ, "GOTOOLCHAIN": "local"},
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    match = re.match(r"go(\d+(?:\.\d+){1,2})", version)
    if not match:
        raise InfraError(f"cannot tell the version of {go} (go env GOVERSION said {version!r})")
    return go, _version_tuple(match.group(1))


def _package_counter() -> Callable[[str], str | None]:
    """Progress for ``go build -v``: a status line every 100 packages compiled."""
    count = 0

    def progress(_line: str) -> str | None:
        nonlocal count
        count += 1
        return f"{count} packages compiled" if count % 100 == 0 else None

    return progress


def ensure_built() -> Path:
    """Path of a ``tofu`` binary of the pinned release, building it on first use.

    The build (about 12 minutes cold on two cores, seconds when Go's build cache is
    warm) goes to a temporary name and is renamed into place, so an interrupted build
    never leaves a broken binary behind.
    """
    override = DevstackSettings().tofu or None
    if override:
        binary = Path(override).expanduser()
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            raise InfraError(f"{OVERRIDE_ENV}={override} is not an executable file")
        return binary

    module = wrapper_dir()
    version = pinned_version(module / "go.mod")
    binary = cache_dir("opentofu", version) / "tofu"
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary

    go, have = _local_go()
    need = required_go(module / "go.mod")
    if have < need:
        raise InfraError(
            f"OpenTofu {version} needs Go {'.'.join(map(str, need))} or newer, found "
            f"{'.'.join(map(str, have))}; install a newer Go or set {OVERRIDE_ENV}"
        )

    partial = binary.with_name(f"tofu.partial-{os.getpid()}")
    try:
        run_step(
            f"building OpenTofu {version} from the Go module proxy",
            [
                go,
                "build",
                "-v",
                "-trimpath",
                "-ldflags",
                f"-s -w -X {MODULE}/version.dev=no",
                "-o",
                partial,
                COMMAND_PACKAGE,
            ],
            cwd=module,
            env={"GOTOOLCHAIN": "local", "CGO_ENABLED": "0"},
            progress=_package_counter(),
        )
        partial.replace(binary)
    finally:
        partial.unlink(missing_ok=True)
    log(f"OpenTofu {version}: {binary}")
    return binary


def main() -> int:
    """Build if needed and print the binary's path (for Makefiles and scripts)."""
    try:
        print(ensure_built())
    except InfraError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
