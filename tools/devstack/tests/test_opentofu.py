"""The OpenTofu build helper's pure parts: version pins and the override."""

from __future__ import annotations

import pytest

from eventtide.devstack import opentofu
from eventtide.devstack.errors import InfraError

pytestmark = pytest.mark.unit


def test_pinned_version_comes_from_the_wrapper_go_mod():
    version = opentofu.pinned_version()
    assert version.startswith("v1.")
    go_mod = (opentofu.wrapper_dir() / "go.mod").read_text()
    assert f"github.com/opentofu/opentofu {version}" in go_mod
    assert "replace github.com/hashicorp/hcl/v2" in go_mod
    assert "tool github.com/opentofu/opentofu/cmd/tofu" in go_mod


def test_required_go_is_a_version_tuple():
    need = opentofu.required_go()
    assert len(need) == 3
    assert need >= (1, 24, 0)


def test_version_parsing_pads_to_three_parts(tmp_path):
    go_mod = tmp_path / "go.mod"
    go_mod.write_text("module x\n\ngo 1.26\n\nrequire github.com/opentofu/opentofu v1.12.6\n")
    assert opentofu.required_go(go_mod) == (1, 26, 0)
    assert opentofu.pinned_version(go_mod) == "v1.12.6"


def test_damaged_go_mod_is_a_clear_error(tmp_path):
    go_mod = tmp_path / "go.mod"
    go_mod.write_text("module x\n")
    with pytest.raises(InfraError, match=r"does not require github\.com/opentofu/opentofu"):
        opentofu.pinned_version(go_mod)
    with pytest.raises(InfraError, match="no go line"):
        opentofu.required_go(go_mod)


def test_override_must_be_an_executable(tmp_path, monkeypatch):
    monkeypatch.setenv(opentofu.OVERRIDE_ENV, str(tmp_path / "missing"))
    with pytest.raises(InfraError, match="not an executable file"):
        opentofu.ensure_built()
    binary = tmp_path / "tofu"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    monkeypatch.setenv(opentofu.OVERRIDE_ENV, str(binary))
    assert opentofu.ensure_built() == binary
