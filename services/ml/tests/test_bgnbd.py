"""The BG/NBD peer is fitted as its package advises, and stays quiet about it."""

from __future__ import annotations

import numpy as np
import pytest

from eventtide.ml import bgnbd
from eventtide.ml.history import DAY_S, EventLog

pytestmark = pytest.mark.unit

CUTOFF = 120 * DAY_S


def _nobody_leaves(seed: int, customers: int = 300) -> EventLog:
    """Customers buying at gamma-distributed Poisson rates who never stop: BG/NBD's
    dropout parameters run to zero, the degenerate fit a real wholesale log also gives."""
    rng = np.random.default_rng(seed)
    users: list[str] = []
    times: list[float] = []
    for index in range(customers):
        rate = max(rng.gamma(0.6, 1 / 10), 1e-3)  # orders per day
        t = rng.exponential(1 / rate, 400).cumsum()
        t = t[t < 160.0]
        if t.size == 0:
            t = np.array([rng.uniform(0, 100)])
        users += [f"c{index:04d}"] * t.size
        times += list(t * DAY_S)
    n = len(times)
    return EventLog(np.array(users), np.array(times), np.full(n, "purchase"), np.full(n, 10.0))


def test_a_fit_that_does_not_converge_is_penalised_more_and_says_so(capsys, monkeypatch):
    log = _nobody_leaves(seed=0)
    users = np.unique(log.user[log.time < CUTOFF])
    result = bgnbd.bgnbd_churn(log, CUTOFF, users, 30.0)
    assert isinstance(result, bgnbd.BgNbdChurn), result
    assert result.penalizer > bgnbd.PENALIZERS[0]
    assert result.probability.shape == users.shape
    assert np.isfinite(result.probability).all()
    assert capsys.readouterr().out == ""  # lifetimes' optimiser dump kept off stdout
    monkeypatch.setattr(bgnbd, "PENALIZERS", bgnbd.PENALIZERS[:1])
    alone = bgnbd.bgnbd_churn(log, CUTOFF, users, 30.0)
    assert alone == "BG/NBD fit failed at every penalizer (0.001: ConvergenceError)"
    assert capsys.readouterr().out == ""


def test_the_fit_is_the_customer_base_not_the_users_judged():
    """Narrowing the judged population (to recent customers, say) must not change the
    model: BG/NBD is fitted on every user seen before the cut-off, then asked about some."""
    log = _nobody_leaves(seed=0)
    users = np.unique(log.user[log.time < CUTOFF])
    everyone = bgnbd.bgnbd_churn(log, CUTOFF, users, 30.0)
    some = bgnbd.bgnbd_churn(log, CUTOFF, users[::7], 30.0)
    assert isinstance(everyone, bgnbd.BgNbdChurn), everyone
    assert isinstance(some, bgnbd.BgNbdChurn), some
    assert some.penalizer == everyone.penalizer
    np.testing.assert_allclose(some.probability, everyone.probability[::7])
