"""Replay each Dockerfile's build stage without an engine: same COPYs, same uv commands.

No Docker engine runs here, so the build stage's real work (copy the workspace files,
``uv sync --frozen --no-dev --package ...``) is replayed into a scratch folder with the
local uv and Python. It proves the COPY list is enough to install the package from the
lockfile, that only the package and its workspace dependencies end up in the virtualenv,
and that the image's command starts. Needs uv and PyPI (or uv's cache): integration tier.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eventtide.devstack.binaries import pinned_uv
from eventtide.devstack.errors import InfraError
from tests.images.checks import copied_sources
from tests.images.dockerfile import parse_file
from tests.images.images import REPO, SERVICES, Service, workspace_closure

pytestmark = pytest.mark.integration

IGNORED = shutil.ignore_patterns("tests", "__pycache__", ".venv", "*.pyc", ".pytest_cache")


def uv_binary() -> str:
    """The project's pinned uv; an InfraError says how to provide it."""
    try:
        return pinned_uv()
    except InfraError as missing:
        pytest.fail(str(missing))


def replay_build_stage(service: Service, context: Path, venv: Path) -> None:
    """Copy what the build stage copies, then run its uv commands against ``venv``."""
    build = parse_file(service.dockerfile, service.build_args)[-2]
    for source in copied_sources(build):
        src = REPO / source
        dst = context / source
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=IGNORED, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(venv),
        "UV_PYTHON": sys.executable,
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_LINK_MODE": "copy",
        # the image compiles bytecode for its start-up time; what is installed is the same
        # without it, and compiling each package's files took up to 10 s per service here
        "UV_COMPILE_BYTECODE": "0",
    }
    env.pop("VIRTUAL_ENV", None)
    for run in build.of("RUN"):
        words = shlex.split(run.args)
        assert words[:2] == ["uv", "sync"], f"unexpected build step: {run.args}"
        result = subprocess.run(
            [uv_binary(), *words[1:]], cwd=context, env=env, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"{run.args}\n{result.stderr}"


@pytest.mark.parametrize("service", SERVICES, ids=[s.command for s in SERVICES])
def test_build_stage_installs_just_the_package(service: Service, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    replay_build_stage(service, tmp_path / "src", venv)

    site = next((venv / "lib").glob("python3.*/site-packages"))
    installed = {
        path.name.split("-")[0].replace("_", "-") for path in site.glob("eventtide*.dist-info")
    }
    assert installed == workspace_closure(service.package)
    editable = [pth for pth in site.glob("*.pth") if "src" in pth.read_text()]
    assert editable == [], "installed as wheels, not links into the build context"
    assert not (site / "pytest").exists(), "no dev dependencies"

    shutil.rmtree(tmp_path / "src")  # the runtime stage has only the virtualenv
    started = subprocess.run(
        [str(venv / "bin" / "eventtide"), service.command, "--help"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"},
    )  # fmt: skip
    assert started.returncode == 0, started.stdout + started.stderr
    assert "Usage" in started.stdout
