"""`make run` on a cache without the Kubernetes and OpenTofu toolchains builds neither.

It starts its own Kafka and PostgreSQL (the given ones are removed from the environment).

A first `make run` used to compile the Kubernetes control plane and OpenTofu (about 16
minutes on two cores) before the pipeline printed anything, although the pipeline runs
on Kafka and PostgreSQL alone. This runs the real Makefile target with a private cache
that shares only uv, Kafka's jars and PostgreSQL, and checks the pipeline ran and
nothing else was built.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from eventtide.devstack.cache import cache_root, repo_root

pytestmark = pytest.mark.e2e

NOT_FOR_THE_PIPELINE = ("k8s", "opentofu", "tiltcheck")
"""Cache folders of toolchains the pipeline does not use."""

OVERRIDES = ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "KUBECONFIG")


def _built_files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def test_make_run_builds_only_what_the_pipeline_needs(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    for child in cache_root().iterdir():
        if child.name not in {*NOT_FOR_THE_PIPELINE, "runs", "state"}:
            (cache / child.name).symlink_to(child)
    env = {key: value for key, value in os.environ.items() if key not in OVERRIDES}
    env |= {
        "EVENTTIDE_CACHE": str(cache),
        "EVENTTIDE_RUN_DIR": str(tmp_path / "run"),
        "EVENTTIDE_EVENTS_TOPIC": f"test.makerun.{os.getpid()}",
        "EVENTTIDE_DLQ_TOPIC": f"test.makerun.{os.getpid()}.dlq",
        "COLUMNS": "200",
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "run", "EVENTS=2000"],
        cwd=repo_root(), env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "stored 2,000 events" in output, output[-3000:]
    assert "user_stats equals a recomputation" in output
    for name in NOT_FOR_THE_PIPELINE:
        built = _built_files(cache / name)
        assert not built, f"make run built {name}, which the pipeline does not use: {built[:5]}"
    assert re.search(
        r"dashboard: http://127\.0\.0\.1:\d+/dashboard/overview \(live overview", output
    ), output[-3000:]
    for service in ("api", "consumer", "processor", "dead-letters", "ml", "producer"):
        assert (tmp_path / "run" / f"{service}.log").is_file(), "the run kept its logs elsewhere"
    assert "funnel conversion:" in output
