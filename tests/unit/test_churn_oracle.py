"""bench/ml/churn_posterior.py and churn_oracle.py: the generator's own silence probability.

Under a constant traffic weight the posterior has a closed form (two one-dimensional
integrals, taken here with scipy's quadrature); the grid version must agree with it,
and must disagree when given the wrong session rate, or the check proves nothing.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from bench.ml.churn_oracle import last_visits
from bench.ml.churn_posterior import LastVisit, SessionClock, silence_probability
from eventtide.ml.history import DAY_S, EventLog
from eventtide.producer.generator.sessions import MIN_SESSION_GAP_S

pytestmark = pytest.mark.unit

START = 1_700_000_000.0
WINDOW = (START + 20 * DAY_S, START + 90 * DAY_S)
CLOCK = SessionClock.of(lambda _t: 1.0, START, START + 140 * DAY_S)
HORIZON_S = 30 * DAY_S


def closed_form(rate: float, visit: LastVisit, cutoff: float) -> float:
    """The posterior under a constant weight of 1, by quadrature (times in days)."""
    first = (visit.last_event + MIN_SESSION_GAP_S - START) / DAY_S
    low = max(WINDOW[0], visit.session_start) - START
    low, high = low / DAY_S, (WINDOW[1] - START) / DAY_S
    c, end = (cutoff - START) / DAY_S, (cutoff + HORIZON_S - START) / DAY_S
    width = high - low

    def no_start(t: float) -> float:
        return math.exp(-rate * (t - first))

    churned = max(0.0, min(1.0, (first - low) / width))
    churned += quad(lambda t: no_start(t) / width, max(first, low), high, limit=200)[0]

    def starts_after(x: float) -> float:
        lower = max(x, first)
        if lower >= high:
            return 0.0
        return quad(lambda u: rate * no_start(u) * (high - u) / width, lower, high, limit=200)[0]

    return (churned + starts_after(end)) / (churned + starts_after(c))


def _visit(days_before_cutoff: float, cutoff: float) -> LastVisit:
    last = cutoff - days_before_cutoff * DAY_S
    return LastVisit(session_start=last - 600.0, last_event=last)


@pytest.mark.parametrize("silent_days", [0.2, 1.0, 3.0, 8.0])
@pytest.mark.parametrize("cutoff_day", [40.0, 70.0])
def test_a_churner_matches_the_closed_form(silent_days: float, cutoff_day: float) -> None:
    cutoff = START + cutoff_day * DAY_S
    visit = _visit(silent_days, cutoff)
    grid = silence_probability(1.2, True, visit, cutoff, HORIZON_S, WINDOW, CLOCK)
    assert grid == pytest.approx(closed_form(1.2, visit, cutoff), abs=2e-3)


def test_the_comparison_fails_with_the_wrong_session_rate() -> None:
    cutoff = START + 70 * DAY_S
    visit = _visit(1.0, cutoff)
    wrong = silence_probability(1.8, True, visit, cutoff, HORIZON_S, WINDOW, CLOCK)
    assert abs(wrong - closed_form(1.2, visit, cutoff)) > 0.02


def test_a_user_who_never_churns_is_silent_only_by_chance() -> None:
    cutoff = START + 70 * DAY_S
    visit = _visit(2.0, cutoff)
    probability = silence_probability(0.1, False, visit, cutoff, HORIZON_S, WINDOW, CLOCK)
    assert probability == pytest.approx(math.exp(-0.1 * 30), rel=1e-3)


def test_a_churners_silence_grows_likelier_the_longer_it_lasts() -> None:
    cutoff = START + 70 * DAY_S
    silences = [0.05, 0.5, 1.0, 2.0, 4.0, 10.0]
    probability = [
        silence_probability(1.2, True, _visit(d, cutoff), cutoff, HORIZON_S, WINDOW, CLOCK)
        for d in silences
    ]
    assert np.all(np.diff(probability) > 0)
    assert probability[0] < 0.1
    assert probability[-1] > 0.999


def test_last_visits_reads_the_last_session_before_the_cutoff() -> None:
    hour = 3_600.0
    times = [0.0, 60.0, 5 * hour, 5 * hour + 120.0, 9 * hour, 2 * hour]
    log = EventLog(
        user=np.array(["a", "a", "a", "a", "a", "b"]),
        time=np.array([START + t for t in times]),
        name=np.array(["page_view"] * 6),
        amount=np.zeros(6),
    )
    visits = last_visits(log, START + 8 * hour)
    assert visits["a"] == LastVisit(START + 5 * hour, START + 5 * hour + 120.0)
    assert visits["b"] == LastVisit(START + 2 * hour, START + 2 * hour)
