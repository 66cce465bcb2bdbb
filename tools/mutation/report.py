"""Mutation results to a verdict: statuses, equivalent mutants, kill rates. Pure, no I/O.

mutmut records one exit code per mutant; this module turns those codes and the mutants'
diffs into per-module figures. A mutant counts as detected when a test failed, timed
out or crashed on it. Equivalent mutants (no test can tell them from the original) are
listed by hand with a reason and leave the denominator; they are matched by the changed
line, not by mutmut's number, because the numbers shift whenever a function changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

THRESHOLD: Final = 0.90
"""Lowest kill rate of non-equivalent mutants a module may have."""

STATUS_BY_EXIT_CODE: Final[Mapping[int | None, str]] = {
    0: "survived",
    1: "killed",
    3: "killed",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    2: "interrupted",
    None: "not checked",
    36: "timeout",
    24: "timeout",
    -24: "timeout",
    152: "timeout",
    255: "timeout",
    -9: "crashed",
    -11: "crashed",
}
"""mutmut 3's exit codes (``mutmut.stats``); anything else it calls suspicious."""

DETECTED: Final = frozenset({"killed", "timeout", "crashed"})
UNDETECTED: Final = frozenset({"survived", "no tests", "suspicious"})
INCOMPLETE: Final = frozenset({"skipped", "interrupted", "not checked"})


def status_of(exit_code: int | None) -> str:
    """The status mutmut would show for ``exit_code``."""
    return STATUS_BY_EXIT_CODE.get(exit_code, "suspicious")


def split_name(mutant: str) -> tuple[str, str]:
    """``(module, function)`` of a mutant key such as ``pkg.mod.xǁClassǁmethod__mutmut_3``."""
    module, _, mangled = mutant.rpartition(".")
    mangled = mangled.rpartition("__mutmut_")[0]
    if mangled.startswith("x_"):
        return module, mangled[2:]
    return module, ".".join(part for part in mangled.split("ǁ")[1:] if part)


def changed_lines(diff: str) -> tuple[str, str]:
    """The removed and the added source lines of a unified diff, stripped and joined."""
    removed, added = [], []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("-"):
            removed.append(line[1:].strip())
        elif line.startswith("+"):
            added.append(line[1:].strip())
    return "\n".join(removed), "\n".join(added)


@dataclass(frozen=True, slots=True)
class Equivalent:
    """A mutant no test can tell apart from the original, and why."""

    module: str
    function: str
    original: str
    mutated: str
    reason: str

    def matches(self, mutant: Mutant) -> bool:
        """True if ``mutant`` is this change in this function."""
        return (self.module, self.function) == split_name(mutant.name) and (
            self.original,
            self.mutated,
        ) == changed_lines(mutant.diff)


def equivalents_from(data: Mapping[str, Any]) -> list[Equivalent]:
    """The ``[[equivalent]]`` entries of the checked-in TOML file; every field is required."""
    entries = []
    for entry in data.get("equivalent", []):
        missing = {"module", "function", "original", "mutated", "reason"} - set(entry)
        if missing or not str(entry.get("reason", "")).strip():
            raise ValueError(f"equivalent mutant entry {entry!r} lacks {sorted(missing)} or reason")
        entries.append(
            Equivalent(
                entry["module"],
                entry["function"],
                entry["original"].strip(),
                entry["mutated"].strip(),
                entry["reason"],
            )
        )
    return entries


@dataclass(frozen=True, slots=True)
class Mutant:
    """One mutant: its key, its status and (for undetected ones) its diff."""

    name: str
    status: str
    diff: str = ""


@dataclass(frozen=True, slots=True)
class ModuleResult:
    """The figures of one target module."""

    target: str
    total: int
    detected: int
    equivalent: tuple[tuple[Mutant, Equivalent], ...]
    undetected: tuple[Mutant, ...]
    incomplete: tuple[Mutant, ...]
    stale: tuple[Equivalent, ...] = field(default=())

    @property
    def counted(self) -> int:
        """Mutants that a test should detect (all but the equivalent ones)."""
        return self.total - len(self.equivalent)

    @property
    def kill_rate(self) -> float:
        """Detected share of the non-equivalent mutants (1.0 when there are none)."""
        return self.detected / self.counted if self.counted else 1.0

    @property
    def passed(self) -> bool:
        """At or above the threshold, every mutant checked, no stale equivalence claim."""
        return (
            self.total > 0
            and self.kill_rate >= THRESHOLD
            and not self.incomplete
            and not self.stale
        )

    def summary(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {
            "target": self.target,
            "total": self.total,
            "detected": self.detected,
            "equivalent": len(self.equivalent),
            "undetected": len(self.undetected),
            "incomplete": len(self.incomplete),
            "kill_rate": round(self.kill_rate, 4),
            "passed": self.passed,
            "survivors": [
                {"name": m.name, "status": m.status, "diff": m.diff} for m in self.undetected
            ],
            "equivalents": [{"name": m.name, "reason": e.reason} for m, e in self.equivalent],
            "stale_equivalents": [f"{e.module}.{e.function}: {e.original!r}" for e in self.stale],
        }


def judge(
    target: str, modules: Iterable[str], mutants: Sequence[Mutant], known: Sequence[Equivalent]
) -> ModuleResult:
    """Figures for one target: ``mutants`` of its ``modules`` against the equivalence list.

    An equivalence entry for one of these modules that matches no undetected mutant is
    stale (the code changed, or a test now kills it) and fails the module, so the list
    cannot silently excuse mutants that no longer exist.
    """
    names = set(modules)
    relevant = [e for e in known if e.module in names]
    detected = 0
    equivalent: list[tuple[Mutant, Equivalent]] = []
    undetected: list[Mutant] = []
    incomplete: list[Mutant] = []
    used: set[Equivalent] = set()
    for mutant in mutants:
        if mutant.status in DETECTED:
            detected += 1
        elif mutant.status in INCOMPLETE:
            incomplete.append(mutant)
        else:
            claim = next((e for e in relevant if e.matches(mutant)), None)
            if claim is None:
                undetected.append(mutant)
            else:
                equivalent.append((mutant, claim))
                used.add(claim)
    stale = tuple(e for e in relevant if e not in used)
    return ModuleResult(
        target, len(mutants), detected, tuple(equivalent), tuple(undetected), tuple(incomplete),
        stale,
    )  # fmt: skip


def render(results: Sequence[ModuleResult]) -> str:
    """The Markdown report: a table of kill rates, then every surviving mutant's diff."""
    lines = [
        "# Mutation testing of the pure modules",
        "",
        f"Threshold: {THRESHOLD:.0%} of the non-equivalent mutants detected.",
        "",
        "| module | mutants | detected | equivalent | undetected | kill rate | verdict |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        verdict = "pass" if r.passed else "FAIL"
        lines.append(
            f"| {r.target} | {r.total} | {r.detected} | {len(r.equivalent)} "
            f"| {len(r.undetected)} | {r.kill_rate:.1%} | {verdict} |"
        )
    for r in results:
        if not (r.undetected or r.incomplete or r.stale):
            continue
        lines += ["", f"## {r.target}", ""]
        for mutant in (*r.undetected, *r.incomplete):
            lines += [f"### {mutant.name} ({mutant.status})", "", "```diff", mutant.diff, "```"]
        for entry in r.stale:
            lines.append(
                f"- stale equivalence claim in {entry.module}.{entry.function}: "
                f"{entry.original!r} -> {entry.mutated!r}"
            )
    return "\n".join(lines) + "\n"
