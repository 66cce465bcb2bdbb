"""BG/NBD (the ``lifetimes`` package) as a churn peer in evaluations, never at run time.

Transactions are a user's active days (distinct UTC days with any event): on a purchase
log those are the purchase days BG/NBD was made for; on a full event stream they are
the activity the churn label is about. Fitted on the history before the cut-off of
every user seen by then (it uses no label), as it would be deployed on a customer base,
then asked about the users judged. Fitted on those users alone it saw a biased sample
whenever the population was narrowed to recent customers: on the UCI Online Retail log's
customers active in the 30 days before a cut-off the fit ran to NaN at two cut-offs of
three and ranked 0.714 at the third, against 0.742, 0.733 and 0.768 fitted on every
customer. Its churn score is the expected number of
transactions in the horizon, turned into P(none) as exp(-expected) (a Poisson reading;
the ranking is the expected count's own, and ``lifetimes`` 0.11 offers no conditional
P(zero transactions)). ``lifetimes`` is a development dependency, so :func:`bgnbd_churn` returns
the reason instead when it is missing or fails.

The fit is penalised as ``lifetimes`` itself advises when it does not converge: each of
:data:`PENALIZERS` is tried in turn. On the UCI Online Retail log the dropout parameters
run to zero and the fit fails at 0.001 and 0.01 at every cut-off tried, and converges at
0.1; a peer that simply stops there would be set up to lose.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from eventtide.ml.history import DAY_S, EventLog, FloatArray, StrArray, group

PENALIZERS: Final = (0.001, 0.01, 0.1)
"""L2 penalties on the BG/NBD parameters, tried from the lightest until a fit converges."""


@dataclass(frozen=True)
class BgNbdChurn:
    """BG/NBD's P(churn) per user, and the penalty its converged fit took."""

    probability: FloatArray
    penalizer: float


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
) -> BgNbdChurn | str:
    """P(churn) for ``users`` (all seen before ``cutoff``), or why BG/NBD could not say."""
    try:
        with warnings.catch_warnings():  # lifetimes 0.11 sets a pandas option pandas 3 deprecates
            warnings.simplefilter("ignore")
            from lifetimes import BetaGeoFitter
    except ImportError as error:
        return f"lifetimes is not installed ({error})"
    known, frequency, recency, age = rfm_summary(log, cutoff)
    everyone = (frequency, recency, age)
    index = np.searchsorted(known, users)
    judged = (frequency[index], recency[index], age[index])
    failures = []
    for penalizer in PENALIZERS:
        try:
            expected = _expected(BetaGeoFitter, penalizer, everyone, judged, horizon_days)
        except Exception as error:  # lifetimes raises plain ConvergenceError/ValueError/...
            failures.append(f"{penalizer:g}: {type(error).__name__}")
            continue
        probability: FloatArray = np.exp(-np.asarray(expected, dtype=float))
        if not np.isfinite(probability).all():
            failures.append(f"{penalizer:g}: non-finite probabilities")
            continue
        return BgNbdChurn(probability, penalizer)
    return "BG/NBD fit failed at every penalizer (" + ", ".join(failures) + ")"


def _expected(
    fitter: Any,
    penalizer: float,
    fitted_on: tuple[FloatArray, FloatArray, FloatArray],
    judged: tuple[FloatArray, FloatArray, FloatArray],
    horizon_days: float,
) -> FloatArray:
    """Expected transactions in the horizon of the ``judged`` users (frequency, recency,
    age) from one penalised fit on ``fitted_on``.

    ``lifetimes`` prints its optimiser's result on stdout when a fit fails (which would
    corrupt ``ml evaluate --json``) and its gradients warn by the thousand on the way;
    both are kept off the user's terminal, since the outcome is reported anyway.
    """
    with (
        contextlib.redirect_stdout(io.StringIO()),
        warnings.catch_warnings(),
        np.errstate(all="ignore"),
    ):
        warnings.simplefilter("ignore")
        model = fitter(penalizer_coef=penalizer)
        model.fit(*fitted_on)
        expected = model.conditional_expected_number_of_purchases_up_to_time(horizon_days, *judged)
    return np.asarray(expected, dtype=float)
