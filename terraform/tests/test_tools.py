"""The Terraform code through real tools: OpenTofu's formatter and checkov.

Both need something fetched once (OpenTofu is built from the Go module proxy into the
cache; checkov runs from PyPI in an isolated environment), so they are `integration`
tests. Neither needs AWS credentials or the provider registry.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from eventtide.devstack.binaries import pinned_uv
from eventtide.devstack.opentofu import ensure_built

pytestmark = pytest.mark.integration

TERRAFORM_DIR = Path(__file__).resolve().parents[1]

# checkov runs isolated (`uv tool run`) and pinned: its own pins (packaging 23.x,
# python-dateutil 2.x) would downgrade the workspace's if it joined the dev group.
CHECKOV = "checkov==3.3.30"


def _tool_env() -> dict[str, str]:
    env = dict(os.environ)
    config = env.get("TF_CLI_CONFIG_FILE")
    if config and not Path(config).is_file():
        env.pop("TF_CLI_CONFIG_FILE")  # a dangling setting only adds a warning
    return env


# A cold build of OpenTofu takes about 12 minutes on two cores; later runs take seconds.
@pytest.mark.timeout(1800)
def test_tofu_fmt_check():
    tofu = ensure_built()
    result = subprocess.run(
        [tofu, "fmt", "-check", "-recursive", "-diff", TERRAFORM_DIR],
        capture_output=True,
        text=True,
        env=_tool_env(),
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, (
        "files need `tofu fmt -recursive terraform/`:\n" + result.stdout + result.stderr
    )


def test_checkov_finds_no_failures():
    uv = pinned_uv()
    result = subprocess.run(
        [
            uv,
            "tool",
            "run",
            "--python",
            "3.11",
            "--from",
            CHECKOV,
            "checkov",
            "--directory",
            TERRAFORM_DIR,
            "--framework",
            "terraform",
            "--skip-download",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        env=_tool_env(),
        check=False,
        timeout=600,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov did not produce a JSON report:\n{result.stdout}{result.stderr}")
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for entry in reports
        for check in entry["results"].get("failed_checks", [])
    ]
    assert not failed, "checkov failures:\n" + "\n".join(failed)
    summary = reports[0]["summary"]
    assert summary["parsing_errors"] == 0, summary
    assert summary["passed"] > 50, summary
    for entry in reports:
        for check in entry["results"].get("skipped_checks", []):
            reason = (check.get("check_result") or {}).get("suppress_comment", "")
            assert len(reason) >= 30, f"{check['check_id']} skipped without a reason"
    assert result.returncode == 0, result.stderr
