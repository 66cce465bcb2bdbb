"""Which pure modules are mutated, and which unit tests must catch the mutants.

One row per module: add the processor's windows, watermarks and sessions, the API's
query builders and the ML features here as they land. Paths are relative to the
repository root; ``files`` are relative to ``source_root``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Target:
    """A module (one or a few files) and the unit tests that stand guard over it."""

    name: str
    source_root: str
    files: tuple[str, ...]
    tests: tuple[str, ...]

    def modules(self) -> tuple[str, ...]:
        """Dotted module names of ``files`` (how mutmut names their mutants)."""
        return tuple(f.removesuffix(".py").replace("/", ".") for f in self.files)


CORE: Final = "services/core/src"
CORE_TESTS: Final = "services/core/tests"

TARGETS: Final = (
    Target(
        "deltas",
        CORE,
        ("eventtide/core/db/deltas.py",),
        (f"{CORE_TESTS}/test_db_pure.py", f"{CORE_TESTS}/test_deltas.py"),
    ),
    Target(
        "validation",
        CORE,
        ("eventtide/core/events/validation.py", "eventtide/core/events/versions.py"),
        (
            f"{CORE_TESTS}/test_rejections.py",
            f"{CORE_TESTS}/test_validation.py",
            f"{CORE_TESTS}/test_roundtrip.py",
            f"{CORE_TESTS}/test_codec.py",
        ),
    ),
    Target(
        "policy",
        "operator/src",
        ("eventtide/operator/policy.py",),
        ("operator/tests/test_policy.py",),
    ),
    Target(
        "rates",
        "operator/src",
        ("eventtide/operator/rates.py",),
        ("operator/tests/test_rates.py",),
    ),
)

QUICK: Final = "deltas"
"""The one small module ``--quick`` mutates (part of ``make test``: 15-30 s on 2 cores)."""
