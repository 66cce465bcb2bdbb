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
    with running(["kafka", "postgres"]) as endpoints:
        env = {**os.environ, **client_environment(endpoints)}
        for script in scripts:
            print(f"[bench] === {script.parent.name} ===", flush=True)
            module = f"bench.{script.parent.name}.run"
            if subprocess.call([sys.executable, "-m", module], env=env, cwd=ROOT) != 0:
                failed.append(script.parent.name)
    if failed:
        print(f"[bench] failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
