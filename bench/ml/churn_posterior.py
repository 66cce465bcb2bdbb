"""The generator's own answer to "will this user be silent for the next N days?".

A simulated user starts sessions as a Poisson process whose rate is the persona's
sessions per day times the traffic weight of the moment (``simulation.session_weight``);
each start comes at least ``MIN_SESSION_GAP_S`` after the last session's last event. A
churner also draws a silence time uniformly inside ``simulation.churn_window``: the
first start drawn at or after it never happens, nor anything after it.

Given a user's persona (which no log reveals) and their last session before a cut-off,
the probability that they have no event in the horizon after it follows from those two
processes alone. Ranking users by it is the Bayes-optimal ranking for someone who knows
every persona, so its expected ROC-AUC bounds what any model of the log can reach.
Pure: numbers in, numbers out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eventtide.ml.history import DAY_S, FloatArray
from eventtide.producer.generator.sessions import MIN_SESSION_GAP_S, Weight

STEP_S = 300.0
"""Grid of the integrals: five minutes, far finer than the hours the traffic curve moves in."""


@dataclass(frozen=True)
class SessionClock:
    """The traffic weight on a grid with its running integral (in weighted days).

    A user of ``r`` sessions a day expects ``r * (integral(b) - integral(a))`` starts
    between ``a`` and ``b``.
    """

    grid: FloatArray
    weight: FloatArray
    integral: FloatArray

    @staticmethod
    def of(weight: Weight, start: float, end: float, step_s: float = STEP_S) -> SessionClock:
        """The clock from ``start`` to ``end`` (Unix seconds)."""
        grid = start + np.arange(0.0, end - start + step_s, step_s)
        values = np.array([weight(float(t)) for t in grid])
        integral = np.concatenate(([0.0], np.cumsum(values[:-1]) * step_s / DAY_S))
        return SessionClock(grid, values, integral)

    @property
    def step_s(self) -> float:
        """The grid's spacing in seconds."""
        return float(self.grid[1] - self.grid[0])

    def at(self, when: float) -> float:
        """The running integral at ``when``."""
        return float(np.interp(when, self.grid, self.integral))


@dataclass(frozen=True)
class LastVisit:
    """What the log says about a user at the cut-off: when their last session began and ended."""

    session_start: float
    last_event: float


def silence_probability(
    sessions_per_day: float,
    churns: bool,
    visit: LastVisit,
    cutoff: float,
    horizon_s: float,
    window: tuple[float, float],
    clock: SessionClock,
) -> float:
    """P(no event in the ``horizon_s`` after ``cutoff`` | no session start since ``visit``).

    Let ``s1`` be the first start the process draws after the last session, and ``tau``
    the churner's silence time (uniform in ``window``, after ``visit.session_start``,
    since that session did happen). The log shows no start before the cut-off, so either
    ``tau <= s1`` (the user churned at that draw) or ``s1`` falls after the cut-off. The
    user is silent through the horizon when ``tau <= s1`` or ``s1`` falls after it.
    """
    rate = sessions_per_day
    first = visit.last_event + MIN_SESSION_GAP_S
    end = cutoff + horizon_s
    if not churns:
        since = max(first, cutoff)
        return float(np.exp(-rate * max(0.0, clock.at(end) - clock.at(since))))
    low, high = window
    low = min(max(low, visit.session_start), high - 1.0)
    begin = int(np.searchsorted(clock.grid, first))
    times = clock.grid[begin:]
    no_start_yet = np.exp(-rate * (clock.integral[begin:] - clock.at(first)))
    tau_density = ((times > low) & (times < high)) / (high - low)
    tau_later = np.clip((high - times) / (high - low), 0.0, 1.0)
    churned_at_draw = float(np.clip((first - low) / (high - low), 0.0, 1.0))
    step = clock.step_s
    churned_at_draw += float(np.sum(tau_density * no_start_yet) * step)
    start_before_tau = rate * clock.weight[begin:] / DAY_S * no_start_yet * tau_later * step
    after = np.concatenate((np.cumsum(start_before_tau[::-1])[::-1], [0.0]))

    def starts_after(when: float) -> float:
        return float(after[min(int(np.searchsorted(times, when)), times.size)])

    seen = churned_at_draw + starts_after(cutoff)
    if seen <= 0.0:
        return 1.0
    return min(1.0, (churned_at_draw + starts_after(end)) / seen)
