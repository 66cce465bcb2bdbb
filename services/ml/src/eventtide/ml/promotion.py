"""When a candidate model replaces the production one: pure, so the rule is testable.

Both must have been scored on the same held-out data (the caller scores the production
model on the candidate's evaluation set); a candidate is promoted only when it is
better by at least ``min_gain`` on the deciding metric, so noise does not churn the
production model. With no production model, the first candidate that beats its
baselines is promoted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MIN_GAIN: Final = 0.001


@dataclass(frozen=True)
class Decision:
    """Whether to promote, and the figures that decided it."""

    promote: bool
    reason: str
    candidate: float
    production: float | None


def decide(
    candidate: float,
    production: float | None,
    best_baseline: float,
    min_gain: float = MIN_GAIN,
    higher_is_better: bool = True,
) -> Decision:
    """Promote when the candidate beats its baselines and the production model."""
    sign = 1.0 if higher_is_better else -1.0
    if sign * (candidate - best_baseline) <= 0:
        return Decision(False, "does not beat its baselines", candidate, production)
    if production is None:
        return Decision(True, "no production model yet", candidate, production)
    if sign * (candidate - production) < min_gain:
        return Decision(False, "not better than production on the same data", candidate, production)
    return Decision(True, "better than production on the same data", candidate, production)
