"""``promtool check rules`` and ``promtool test rules`` on the chart's rules file, and
every dashboard expression parsed by promtool (as a recording rule)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from eventtide.devstack import prometheus
from eventtide.devstack.observability import dashboards, rules
from tests.chart.rendering import REPO

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent


def _promtool(*args: str, cwd: Path = REPO) -> str:
    result = subprocess.run(
        [str(prometheus.binary("promtool")), *args],
        capture_output=True, text=True, cwd=cwd, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_rules_file_is_valid() -> None:
    assert "SUCCESS" in _promtool("check", "rules", str(rules.RULES_FILE))


def test_every_alert_fires_in_its_unit_test_and_stays_quiet_when_healthy() -> None:
    every = rules.alerts(rules.load(REPO / rules.RULES_FILE))
    tests = (HERE / "eventtide.rules.test.yaml").read_text()
    untested = [name for name in every if f"alertname: {name}" not in tests]
    assert untested == []
    _promtool("test", "rules", "eventtide.rules.test.yaml", cwd=HERE)


def test_every_dashboard_expression_parses(tmp_path: Path) -> None:
    exprs = [e for d in dashboards.DASHBOARDS for e in d.queries()]
    path = tmp_path / "dashboards.rules.yaml"
    path.write_text(rules.as_recording_rules(exprs))
    assert f"SUCCESS: {len(exprs)} rules found" in _promtool("check", "rules", str(path))
