"""Lay out one target in a folder mutmut understands, run mutmut there, read its results.

mutmut 3 names a mutant after its file's path below the folder it runs in (minus a
leading ``src/``) and puts ``mutants/src`` first on ``sys.path``. The workspace keeps
each distribution under ``services/<name>/src`` and ``operator/src``, so mutmut cannot
run at the root: each target gets a staging folder with ``src/eventtide/<package>``
copied whole (a mutated copy must shadow the whole installed package, or the tests
would import the original) and the target's unit tests, with their folder's conftest
and helper modules, under ``tests/``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final

from tools.mutation.report import DETECTED, Mutant, status_of
from tools.mutation.targets import Target

PYPROJECT: Final = """\
[tool.mutmut]
source_paths = ["src"]
only_mutate = {only}
pytest_add_cli_args_test_selection = ["tests"]
also_copy = ["conftest.py"]
use_git_change_detection = false

[tool.pytest.ini_options]
addopts = ["--import-mode=importlib", "-p", "no:cacheprovider"]
markers = ["unit: pure", "integration: infrastructure", "cluster: Kubernetes", "e2e: all"]
"""

CONFTEST: Final = '''\
"""Hypothesis without deadlines (mutants run slower) and with a fixed seed (same verdicts)."""

from hypothesis import settings

settings.register_profile("mutation", deadline=None, derandomize=True, database=None)
settings.load_profile("mutation")
'''


def stage(root: Path, target: Target, where: Path) -> None:
    """A fresh staging folder for ``target`` at ``where`` (results of earlier runs removed)."""
    if where.exists():
        shutil.rmtree(where)
    (where / "src").mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    packages = {Path(f).parts[:2] for f in target.files}
    for package in sorted(packages):
        source = root / target.source_root / Path(*package)
        shutil.copytree(source, where / "src" / Path(*package), ignore=ignore)
    for test in target.tests:
        source = root / test
        if not source.is_file():
            raise FileNotFoundError(f"{target.name}: test file {test} does not exist")
        folder = where / "tests" / Path(test).parent
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, folder / source.name)
        for helper in source.parent.glob("*.py"):
            if not helper.name.startswith("test_"):
                shutil.copy2(helper, folder / helper.name)
    only = json.dumps([f"src/{f}" for f in target.files])
    (where / "pyproject.toml").write_text(PYPROJECT.format(only=only))
    (where / "conftest.py").write_text(CONFTEST)


def run_mutmut(where: Path, workers: int, log: Path) -> int:
    """``mutmut run`` in the staging folder; its progress output goes to ``log``."""
    mutmut = Path(sys.executable).parent / "mutmut"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    with log.open("wb") as out:
        return subprocess.call(
            [str(mutmut), "run", "--max-children", str(workers)],
            cwd=where,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


DIFFS: Final = """\
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
wanted = json.load(sys.stdin)
json.dump({name: get_diff_for_mutant(name, path=path) for name, path in wanted}, sys.stdout)
"""
"""Diffs of many mutants in one process (``mutmut show`` costs a second per mutant)."""


def collect(where: Path, target: Target) -> list[Mutant]:
    """Every mutant of the target with its status; undetected ones carry their diff."""
    found: list[tuple[str, str, str]] = []
    for file in target.files:
        meta = where / "mutants" / "src" / (file + ".meta")
        if not meta.is_file():
            raise FileNotFoundError(f"{target.name}: mutmut wrote no results for {file}")
        codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        found += [(name, status_of(code), f"src/{file}") for name, code in sorted(codes.items())]
    wanted = [(name, path) for name, status, path in found if status not in DETECTED]
    diffs = diffs_of(where, wanted) if wanted else {}
    return [Mutant(name, status, diffs.get(name, "")) for name, status, _ in found]


def diffs_of(where: Path, wanted: list[tuple[str, str]]) -> dict[str, str]:
    """Each named mutant's diff against the original, as ``mutmut show`` prints it."""
    printed = subprocess.run(
        [sys.executable, "-c", DIFFS],
        cwd=where,
        input=json.dumps(wanted),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    diffs: dict[str, str] = json.loads(printed)
    return diffs
