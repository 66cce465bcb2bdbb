"""The Dockerfile's Node stage: the API image carries the dashboard's chart library,
installed with ``npm ci`` from the checked-in lockfile, without a local
``make dashboard-vendor`` first (no engine here: the Dockerfile is read, not built)."""

from __future__ import annotations

import re
import shlex

import pytest

from eventtide.api.dashboard import STATIC
from tests.images.dockerfile import Instruction, Stage, parse_file
from tests.images.images import DASHBOARD_STAGE, REPO, SERVICES

pytestmark = pytest.mark.unit

API = next(s for s in SERVICES if s.name == "api")
NPM_DIR = "services/api/dashboard"
VENDOR = STATIC / "vendor"
"""Where the package serves the library from (``/dashboard-static/vendor/``)."""


def _stages() -> list[Stage]:
    return parse_file(API.dockerfile, API.build_args)


def _dashboard() -> Stage:
    found = [s for s in _stages() if s.name == DASHBOARD_STAGE]
    assert len(found) == 1, f"one stage named {DASHBOARD_STAGE}"
    return found[0]


def _referenced_assets() -> set[str]:
    """The vendored files the dashboard's HTML shell loads."""
    html = (STATIC / "index.html").read_text()
    return set(re.findall(r'"/dashboard-static/vendor/([^"]+)"', html))


def _vendor_copy(build: Stage) -> Instruction:
    copies = [c for c in build.of("COPY") if c.flags.get("from") == DASHBOARD_STAGE]
    assert len(copies) == 1, "the build stage copies the library from the Node stage once"
    return copies[0]


def test_the_node_stage_installs_from_the_lockfile_alone() -> None:
    stage = _dashboard()
    assert stage.base.startswith("node:")
    (copy,) = stage.of("COPY")
    sources = copy.words()[:-1]
    assert sources == [f"{NPM_DIR}/package.json", f"{NPM_DIR}/package-lock.json"]
    assert all((REPO / s).is_file() for s in sources)
    (run,) = stage.of("RUN")
    commands = [shlex.split(c) for c in run.args.split("&&")]
    assert commands[0][:2] == ["npm", "ci"], "npm ci: the lockfile, exactly"
    copied = {w.rsplit("/", 1)[-1] for c in commands if c[0] == "cp" for w in c[1:-1]}
    assert _referenced_assets() <= copied
    assert _referenced_assets()


def test_the_build_stage_puts_the_library_where_the_package_serves_it() -> None:
    stages = _stages()
    build = stages[-2]
    copy = _vendor_copy(build)
    source, target = copy.words()
    assert (REPO / target.rstrip("/")) == VENDOR
    assert source == "/vendor/"
    syncs = [i for i in build.instructions if i.keyword == "RUN" and "uv sync" in i.args]
    assert build.instructions.index(copy) < build.instructions.index(syncs[-1]), (
        "copied before the sync that builds the wheel"
    )
    artifacts = (REPO / API.folder / "pyproject.toml").read_text()
    assert f'"{VENDOR.relative_to(REPO / API.folder)}/*"' in artifacts, "the wheel carries it"


def test_a_local_vendor_copy_stays_out_of_the_build_context() -> None:
    ignored = (REPO / ".dockerignore").read_text().split()
    assert str(VENDOR.relative_to(REPO)) in ignored
