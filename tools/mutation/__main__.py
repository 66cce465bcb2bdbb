"""``python -m tools.mutation``: mutate the pure modules, report, fail under the threshold.

``make mutation`` runs every target of :mod:`tools.mutation.targets`; ``--quick`` runs
the one small module the test suite checks on every ``make test``. Reports go to
``<workdir>/report.md`` (surviving mutants with their diffs) and ``report.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tomllib
from pathlib import Path

from tools.mutation.report import THRESHOLD, ModuleResult, equivalents_from, judge, render
from tools.mutation.stage import collect, run_mutmut, stage
from tools.mutation.targets import QUICK, TARGETS

ROOT = Path(__file__).resolve().parents[2]
EQUIVALENTS = Path(__file__).resolve().parent / "equivalent.toml"


def main(argv: list[str]) -> int:
    """Run the chosen targets; exit 1 if any falls under the threshold, 2 on bad arguments."""
    parser = argparse.ArgumentParser(prog="python -m tools.mutation", description=__doc__)
    parser.add_argument("targets", nargs="*", help="target names (default: all)")
    parser.add_argument("--quick", action="store_true", help=f"only the {QUICK!r} target")
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "mutation")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    names = [QUICK] if args.quick else args.targets or [t.name for t in TARGETS]
    unknown = set(names) - {t.name for t in TARGETS}
    if unknown:
        print(f"unknown target(s) {sorted(unknown)}; known: {[t.name for t in TARGETS]}")
        return 2
    known = equivalents_from(tomllib.loads(EQUIVALENTS.read_text()))
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    results: list[ModuleResult] = []
    for target in (t for t in TARGETS if t.name in names):
        where = workdir / target.name
        started = time.monotonic()
        stage(ROOT, target, where)
        code = run_mutmut(where, args.workers, workdir / f"{target.name}.log")
        if code != 0:
            print(f"[mutation] {target.name}: mutmut exited {code}; see {target.name}.log")
            return 1
        result = judge(target.name, target.modules(), collect(where, target), known)
        results.append(result)
        print(
            f"[mutation] {target.name}: {result.detected}/{result.counted} detected "
            f"({result.kill_rate:.1%}), {len(result.equivalent)} equivalent, "
            f"{time.monotonic() - started:.0f} s",
            flush=True,
        )
    (workdir / "report.md").write_text(render(results))
    (workdir / "report.json").write_text(
        json.dumps([r.summary() for r in results], indent=2, ensure_ascii=False) + "\n"
    )
    print(f"[mutation] report: {workdir / 'report.md'}")
    failed = [r.target for r in results if not r.passed]
    if failed:
        why = f"under {THRESHOLD:.0%}, incomplete or stale"
        print(f"[mutation] FAILED ({why}): {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
