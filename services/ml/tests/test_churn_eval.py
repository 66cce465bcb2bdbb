"""The churn evaluation keeps held-out users and the later period apart from training."""

from __future__ import annotations

import numpy as np
import pytest

from eventtide.ml import churn_eval
from eventtide.ml.churn import recency_baseline
from eventtide.ml.churn_eval import evaluate_churn, format_table
from eventtide.ml.features import FeatureTable
from eventtide.ml.history import DAY_S, EventLog
from eventtide.ml.labels import holdout_users

pytestmark = pytest.mark.unit

CUTOFF = 120 * DAY_S


def _log(customers: int = 300) -> EventLog:
    rng = np.random.default_rng(1)
    users, times = [], []
    for index in range(customers):
        rate = rng.choice([0.1, 0.3, 1.0])
        stop = rng.uniform(20, 200) if rng.random() < 0.5 else 1e9
        t = rng.exponential(1 / rate, 400).cumsum()
        t = t[t < min(160.0, stop)]
        users += [f"c{index:04d}"] * t.size
        times += list(t * DAY_S)
    n = len(times)
    return EventLog(np.array(users), np.array(times), np.full(n, "purchase"), np.full(n, 10.0))


class _Spy:
    """A baseline that records which users it was fitted and scored on."""

    name = "spy"

    def __init__(self) -> None:
        self.inner = recency_baseline()
        self.fitted: list[np.ndarray] = []
        self.scored: list[np.ndarray] = []

    def fit(self, table: FeatureTable, churned: np.ndarray) -> _Spy:
        self.fitted.append(table.users)
        self.inner.fit(table, churned)
        return self

    def predict(self, table: FeatureTable) -> np.ndarray:
        self.scored.append(table.users)
        return self.inner.predict(table)


def test_training_and_held_out_users_never_overlap():
    spy = _Spy()
    evaluate_churn(_log(), CUTOFF, 30.0, with_bgnbd=False, models=[spy])
    (fitted,), (scored,) = spy.fitted, spy.scored
    assert not set(fitted) & set(scored)
    assert holdout_users(scored, 0.3).all()
    assert not holdout_users(fitted, 0.3).any()


def test_the_active_population_drops_users_long_gone():
    spy = _Spy()
    evaluation = evaluate_churn(
        _log(), CUTOFF, 30.0, with_bgnbd=False, models=[spy], active_within_days=7.0
    )
    everyone = evaluate_churn(_log(), CUTOFF, 30.0, with_bgnbd=False, models=[_Spy()])
    assert evaluation.scores[0].users < everyone.scores[0].users
    assert evaluation.scores[0].churn_rate < everyone.scores[0].churn_rate


def test_the_table_lists_every_model_and_why_one_did_not_run(monkeypatch):
    monkeypatch.setattr(churn_eval, "bgnbd_churn", lambda *args: "lifetimes is not installed")
    text = format_table(evaluate_churn(_log(), CUTOFF, 30.0))
    for name in ("ours ", "recency", "rfm_logistic"):
        assert name in text
    assert "ours: ours_" in text  # which candidate ours took, and why
    assert "bgnbd: not run: lifetimes is not installed" in text
    assert "ours-Δ 95% CI" in text
    rfm = next(line for line in text.splitlines() if line.startswith("rfm_logistic"))
    low, high = (float(x) for x in rfm.split("[")[1].rstrip("]").split(","))
    margin = float(rfm.split()[4])
    assert low <= margin <= high  # each baseline's row gives ours' margin over it, bounded


def test_a_cutoff_before_anyone_was_active_is_refused_saying_so() -> None:
    """Features of nobody were computed before the population was checked (an IndexError)."""
    with pytest.raises(ValueError, match="no training users: nobody was active before"):
        evaluate_churn(_log(), 5 * DAY_S, horizon_days=30)
