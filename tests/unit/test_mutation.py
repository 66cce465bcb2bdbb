"""Mutation testing as a standing check: the verdict logic, and the quick run on one module.

The quick run is the part of ``make mutation`` that ``make test`` carries: it mutates
the small ``deltas`` module and fails when its unit tests let more than 10% of the
non-equivalent mutants through.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tools.mutation.report import (
    Equivalent,
    Mutant,
    changed_lines,
    equivalents_from,
    judge,
    render,
    split_name,
    status_of,
)
from tools.mutation.targets import QUICK, TARGETS

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
MOD = "eventtide.core.db.deltas"
DIFF = """--- src/x.py
+++ src/x.py
@@ -1,3 +1,3 @@
     spent = 0
-    if at >= last:
+    if at > last:
         pass"""


def _mutants(killed: int, survived: int) -> list[Mutant]:
    return [Mutant(f"{MOD}.x_aggregate__mutmut_{i}", "killed") for i in range(killed)] + [
        Mutant(f"{MOD}.x_aggregate__mutmut_{killed + i}", "survived", DIFF) for i in range(survived)
    ]


def test_names_and_statuses_follow_mutmut() -> None:
    assert split_name(f"{MOD}.x_aggregate__mutmut_12") == (MOD, "aggregate")
    assert split_name(f"{MOD}.xǁUserDeltaǁstats_row__mutmut_2") == (MOD, "UserDelta.stats_row")
    assert [status_of(c) for c in (0, 1, 3, 33, 36, -9, None, 99)] == [
        "survived", "killed", "killed", "no tests", "timeout", "crashed", "not checked",
        "suspicious",
    ]  # fmt: skip
    assert changed_lines(DIFF) == ("if at >= last:", "if at > last:")


def test_under_ninety_percent_fails_and_at_ninety_passes() -> None:
    assert not judge("deltas", [MOD], _mutants(89, 11), []).passed
    passing = judge("deltas", [MOD], _mutants(90, 10), [])
    assert (passing.kill_rate, passing.passed) == (0.9, True)


def test_equivalent_mutants_leave_the_denominator() -> None:
    claim = Equivalent(MOD, "aggregate", "if at >= last:", "if at > last:", "tie")
    result = judge("deltas", [MOD], _mutants(8, 2), [claim])
    assert (result.counted, result.kill_rate, len(result.equivalent)) == (8, 1.0, 2)
    other = Equivalent(MOD, "aggregate", "if at >= last:", "if at < last:", "another change")
    assert judge("deltas", [MOD], _mutants(8, 2), [other]).kill_rate == 0.8


def test_a_stale_claim_or_an_unchecked_mutant_fails_the_module() -> None:
    stale = Equivalent(MOD, "aggregate", "x = 1", "x = 2", "the code changed since")
    assert judge("deltas", [MOD], _mutants(10, 0), [stale]).stale == (stale,)
    assert not judge("deltas", [MOD], _mutants(10, 0), [stale]).passed
    unchecked = [*_mutants(10, 0), Mutant(f"{MOD}.x_aggregate__mutmut_99", "not checked")]
    assert not judge("deltas", [MOD], unchecked, []).passed
    assert not judge("deltas", [MOD], [], []).passed, "no mutants means nothing was measured"


def test_the_report_lists_each_survivor_with_its_diff() -> None:
    text = render([judge("deltas", [MOD], _mutants(1, 1), [])])
    assert "| deltas | 2 | 1 | 0 | 1 | 50.0% | FAIL |" in text
    assert f"{MOD}.x_aggregate__mutmut_1 (survived)" in text
    assert "+    if at > last:" in text


def test_the_checked_in_equivalents_are_well_formed_and_belong_to_targets() -> None:
    data = tomllib.loads((ROOT / "tools" / "mutation" / "equivalent.toml").read_text())
    modules = {m for target in TARGETS for m in target.modules()}
    for entry in equivalents_from(data):
        assert entry.module in modules
    with pytest.raises(ValueError, match="reason"):
        equivalents_from({"equivalent": [{"module": MOD, "function": "f", "reason": " "}]})


def test_every_target_names_existing_files() -> None:
    for target in TARGETS:
        for file in target.files:
            assert (ROOT / target.source_root / file).is_file(), file
        for test in target.tests:
            assert (ROOT / test).is_file(), test


def test_quick_mutation_run_kills_enough(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tools.mutation", "--quick", "--workdir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = tmp_path / "report.md"
    assert result.returncode == 0, (
        result.stdout + result.stderr + (report.read_text() if report.exists() else "")
    )
    [summary] = json.loads((tmp_path / "report.json").read_text())
    assert summary["target"] == QUICK
    assert summary["total"] > 50
    assert summary["kill_rate"] >= 0.9
