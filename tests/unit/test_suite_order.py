"""The root conftest's file lists name files that exist, so a rename cannot silently undo
the grouping and the order ``make test`` relies on."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def _root_conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_listed_file_exists() -> None:
    conftest = _root_conftest()
    listed = {*conftest.LONG_FILES_FIRST, *conftest.CPU_HEAVY_FILES}
    missing = sorted(name for name in listed if not (ROOT / name).is_file())
    assert not missing, f"the root conftest.py names files that do not exist: {missing}"


def test_the_cpu_heavy_files_are_handed_out_first() -> None:
    conftest = _root_conftest()
    heavy = len(conftest.CPU_HEAVY_FILES)
    assert conftest.LONG_FILES_FIRST[:heavy] == conftest.CPU_HEAVY_FILES


def test_the_cpu_heavy_files_are_one_unit_and_every_other_file_its_own() -> None:
    conftest = _root_conftest()
    heavy = {conftest.unit_of_work(f"{name}::test_x") for name in conftest.CPU_HEAVY_FILES}
    assert heavy == {conftest.CPU_HEAVY_UNIT}
    assert conftest.unit_of_work("tests/unit/test_a.py::test_b[x::y]") == "tests/unit/test_a.py"
