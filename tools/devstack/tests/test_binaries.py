"""The pinned uv comes from the project's set-up, never from whatever PATH holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventtide.devstack import binaries
from eventtide.devstack.errors import InfraError

pytestmark = pytest.mark.unit


def _fake_tool(folder: Path, name: str) -> Path:
    tool = folder / name
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    return tool


def test_the_makefiles_uv_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pinned = _fake_tool(tmp_path, "uv")
    monkeypatch.setenv(binaries.UV_ENV, str(pinned))
    monkeypatch.setenv("UV", "/elsewhere/uv")
    assert binaries.pinned_uv() == str(pinned)


def test_the_uv_running_this_process_is_next(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    running = _fake_tool(tmp_path, "uv")
    monkeypatch.delenv(binaries.UV_ENV, raising=False)
    monkeypatch.setenv("UV", str(running))
    assert binaries.pinned_uv() == str(running)


def test_a_uv_on_path_alone_is_not_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _fake_tool(tmp_path, "uv")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(binaries.UV_ENV, raising=False)
    monkeypatch.delenv("UV", raising=False)
    with pytest.raises(InfraError, match=r"run it through `make`.*EVENTTIDE_UV"):
        binaries.pinned_uv()


def test_a_setting_that_names_no_file_is_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(binaries.UV_ENV, "/nonexistent/uv")
    monkeypatch.delenv("UV", raising=False)
    with pytest.raises(InfraError):
        binaries.pinned_uv()
