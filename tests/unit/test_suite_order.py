"""The long-files-first list names files that exist, so a rename cannot silently undo it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def test_every_long_file_listed_exists() -> None:
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    missing = [name for name in module.LONG_FILES_FIRST if not (ROOT / name).is_file()]
    assert not missing, f"conftest.LONG_FILES_FIRST names files that do not exist: {missing}"
