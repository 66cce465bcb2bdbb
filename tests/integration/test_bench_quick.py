"""Every benchmark runs in its quick mode, so none of them rots between `make bench` runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = sorted(path.parent.name for path in (ROOT / "bench").glob("*/run.py"))


def test_there_are_benchmarks() -> None:
    assert "postgres_ingest" in BENCHMARKS


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_quick_mode(name: str, kafka_bootstrap: str, database_url: str) -> None:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{name}.run", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads((ROOT / "bench" / "results" / f"{name}.quick.json").read_text())
    assert record["benchmark"] == name
    assert record["machine"]["cores"] >= 1
    assert record["comparisons"], "a benchmark must compare ours against a peer"
    for comparison in record["comparisons"]:
        assert comparison["ours"]["median"] > 0
        assert comparison["peer"]["median"] > 0
        assert comparison["ratio"] > 0
