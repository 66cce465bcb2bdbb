"""BG/NBD (the ``lifetimes`` package) as a churn peer in evaluations, never at run time.

Transactions are a user's active days (distinct UTC days with any event): on a purchase
log those are the purchase days BG/NBD was made for; on a full event stream they are
the activity the churn label is about. Fitted on the held-out users' own history
before the cut-off, which uses no label. Its churn score is the expected number of
transactions in the horizon, turned into P(none) as exp(-expected) (a Poisson reading;
the ranking is the expected count's own, and ``lifetimes`` 0.11 offers no conditional
P(zero transactions)). ``lifetimes`` is a development dependency, so :func:`bgnbd_churn` returns
the reason instead when it is missing or fails.
"""

from __future__ import annotations

import warnings

import numpy as np

from eventtide.ml.history import DAY_S, EventLog, FloatArray, StrArray, group


def rfm_summary(
    log: EventLog, cutoff: float
) -> tuple[StrArray, FloatArray, FloatArray, FloatArray]:
    """Per user before ``cutoff``: (users, repeat active days, recency, age), in days.

    Recency is from the first to the last active day and age from the first active day
    to the cut-off, as BG/NBD defines them.
    """
    g = group(log.before(cutoff))
    day = np.floor(g.time / DAY_S)
    new_day = np.ones(day.size, dtype=bool)
    new_day[1:] = (g.code[1:] != g.code[:-1]) | (day[1:] != day[:-1])
    active = np.bincount(g.code[new_day], minlength=g.users.size).astype(float)
    first = day[g.starts]
    last = day[g.starts + g.counts - 1]
    return g.users, active - 1.0, last - first, np.floor(cutoff / DAY_S) - first


def bgnbd_churn(
    log: EventLog, cutoff: float, users: StrArray, horizon_days: float
) -> FloatArray | str:
    """P(churn) for ``users`` (all seen before ``cutoff``), or why BG/NBD could not say."""
    try:
        with warnings.catch_warnings():  # lifetimes 0.11 sets a pandas option pandas 3 deprecates
            warnings.simplefilter("ignore")
            from lifetimes import BetaGeoFitter
    except ImportError as error:
        return f"lifetimes is not installed ({error})"
    known, frequency, recency, age = rfm_summary(log, cutoff)
    index = np.searchsorted(known, users)
    frequency, recency, age = frequency[index], recency[index], age[index]
    try:
        model = BetaGeoFitter(penalizer_coef=0.001)
        model.fit(frequency, recency, age)
        expected = model.conditional_expected_number_of_purchases_up_to_time(
            horizon_days, frequency, recency, age
        )
    except Exception as error:  # lifetimes raises plain ConvergenceError/ValueError/...
        return f"BG/NBD fit failed: {type(error).__name__}: {error}"
    probability: FloatArray = np.exp(-np.asarray(expected, dtype=float))
    if not np.isfinite(probability).all():
        return "BG/NBD produced non-finite probabilities"
    return probability
