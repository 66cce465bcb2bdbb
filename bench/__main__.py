"""``python -m bench``: every benchmark, full length, with the infrastructure it needs.

Benchmarks find their infrastructure through the standard variables
(``KAFKA_BOOTSTRAP_SERVERS``, ``DATABASE_URL``); this runner starts what is not given.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from eventtide.devstack.stack import client_environment, running

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


SIMULATED = frozenset({"autoscaling"})
"""Benchmarks that simulate their world and need no Kafka or PostgreSQL."""


def discover() -> list[Path]:
    """Every ``bench/<name>/run.py``."""
    return sorted(BENCH_DIR.glob("*/run.py"))


def main(argv: list[str]) -> int:
    """Run the named benchmarks (default: all) with Kafka and PostgreSQL up."""
    scripts = [path for path in discover() if not argv or path.parent.name in argv]
    unknown = set(argv) - {path.parent.name for path in discover()}
    if unknown:
        names = ", ".join(path.parent.name for path in discover())
        print(f"unknown benchmark(s) {', '.join(sorted(unknown))}; choose from {names}")
        return 2
    failed = []
    if all(path.parent.name in SIMULATED for path in scripts):
        failed = _run(scripts, dict(os.environ))
    else:
        with running(["kafka", "postgres"]) as endpoints:
            failed = _run(scripts, {**os.environ, **client_environment(endpoints)})
    if failed:
        print(f"[bench] failed: {', '.join(failed)}")
        return 1
    return 0


def _run(scripts: list[Path], env: dict[str, str]) -> list[str]:
    """Run each benchmark as ``python -m bench.<name>.run``; the names of those that failed."""
    failed = []
    for script in scripts:
        print(f"[bench] === {script.parent.name} ===", flush=True)
        module = f"bench.{script.parent.name}.run"
        if subprocess.call([sys.executable, "-m", module], env=env, cwd=ROOT) != 0:
            failed.append(script.parent.name)
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
