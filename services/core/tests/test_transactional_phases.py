"""The crash injector: off unless asked for, and then it kills at exactly the n-th arrival."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from eventtide.core.transactional.phases import (
    PHASES,
    hook_from_environment,
    kill_hook,
    parse_kill_at,
)

pytestmark = pytest.mark.unit


def test_every_phase_the_issue_names_exists() -> None:
    assert set(PHASES) == {"polled", "prepared", "writing", "db-committed", "assigned", "revoked"}


def test_unset_means_no_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVENTTIDE_FAULT_KILL_AT", raising=False)
    assert hook_from_environment() is None


def test_the_kill_comes_at_the_nth_arrival_at_that_phase_only(tmp_path: Path) -> None:
    kills: list[int] = []
    mark = tmp_path / "phases.txt"
    hook = kill_hook("writing", 3, mark, kill=lambda: kills.append(1))
    for at in ("polled", "writing", "prepared", "writing", "db-committed"):
        hook(at)  # type: ignore[arg-type]
    assert kills == []
    hook("writing")
    assert kills == [1]
    assert mark.read_text() == "writing\n"
    hook("writing")
    assert kills == [1]  # once only


def test_the_setting_is_parsed_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_kill_at("db-committed:12") == ("db-committed", 12)
    with pytest.raises(ValueError, match="unknown phase"):
        parse_kill_at("sleeping:1")
    monkeypatch.setenv("EVENTTIDE_FAULT_KILL_AT", "writing:0")
    with pytest.raises(ValidationError):
        hook_from_environment()
    monkeypatch.setenv("EVENTTIDE_FAULT_KILL_AT", "writing:2")
    assert hook_from_environment() is not None
