"""Every benchmark runs in its quick mode, so none of them rots between `make bench` runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = sorted(path.parent.name for path in (ROOT / "bench").glob("*/run.py"))


def test_there_are_benchmarks() -> None:
    assert "postgres_ingest" in BENCHMARKS


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_quick_mode(name: str, kafka_bootstrap: str, database_url: str) -> None:
    """The record must be this run's (its id and time), with medians, the ratio and the goal."""
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "DATABASE_URL": database_url}
    out = ROOT / "bench" / "results" / f"{name}.quick.json"
    out.unlink(missing_ok=True)
    run_id = uuid.uuid4().hex
    started = datetime.now(UTC).replace(microsecond=0)
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{name}.run", "--quick", "--run-id", run_id],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads(out.read_text())
    assert record["run_id"] == run_id, "a results file from another run"
    measured = datetime.strptime(record["measured_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert measured >= started
    assert (record["benchmark"], record["quick"]) == (name, True)
    assert record["machine"]["cores"] >= 1
    assert record["comparisons"], "a benchmark must compare ours against a peer"
    for comparison in record["comparisons"]:
        ours, peer = comparison["ours"]["median"], comparison["peer"]["median"]
        assert ours > 0
        assert peer > 0
        ratio = comparison["ratio"]
        assert ratio == pytest.approx(ours / peer) or ratio == pytest.approx(peer / ours)
        goal = comparison["goal_ratio"]
        assert goal is None or goal > 0, "the goal, where one is set, is a positive ratio"
