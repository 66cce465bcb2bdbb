"""Per-user features from an event history: for churn (at a cut-off) and for behaviour.

Pure: an :class:`EventLog` in, a :class:`FeatureTable` out. Churn features see only the
events strictly before the cut-off, so no value can leak from the period being
predicted. Event names are open strings; the few that carry meaning here (``purchase``,
``add_to_cart``, ``page_view``, and ``click``, ``search`` and ``video_play`` for the
event mix) are the typed events' names, which the ingestion contracts map other SDKs'
names onto (Segment's Products Searched becomes ``search``, for one). Errors are any
event whose name mentions an error or a failure, because no typed event reports one and
apps name them freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from eventtide.ml.history import DAY_S, EventLog, FloatArray, Grouped, IntArray, StrArray, group

PURCHASE: Final = "purchase"
ADD_TO_CART: Final = "add_to_cart"
PAGE_VIEW: Final = "page_view"
EVENT_MIX: Final = ("click", "search", "video_play")
"""The typed content events whose share of a user's events says what they come for."""
ERROR_MARKERS: Final = ("error", "fail", "exception", "crash")
TREND_WEEKS: Final = 4
"""Weeks of sessions the activity trend is fitted on."""
BURST_PURCHASE_S: Final = 600.0
"""Purchase velocity counts orders within any 10-minute span."""
BURST_EVENTS_S: Final = 60.0
LOOKBACK_DAYS: Final = 28.0
"""Recent activity is counted over the four weeks before the cut-off."""

CHURN_FEATURES: Final = (
    "recency_days",
    "tenure_days",
    "events",
    "active_days",
    "sessions",
    "purchases",
    "monetary",
    "events_28d",
    "sessions_28d",
    "active_days_28d",
    "purchases_28d",
    "monetary_28d",
    "sessions_per_week",
    "purchases_per_week",
    "days_since_purchase",
    "mean_session_gap_days",
    "recency_over_gap",
    "weekly_trend",
    "last_week_sessions",
    "cart_abandonment",
    "error_events",
    "error_share",
    "events_per_session",
    "session_minutes",
    "cart_session_share",
    "purchase_session_share",
    "click_share",
    "search_share",
    "video_share",
    "seconds_between_events",
    "mean_order_value",
)
"""From ``events_per_session`` on they say how a user spends a visit rather than how
often they come: session depth, session length, the share of sessions that add to a cart
and that buy (the add-to-cart and conversion rates of web analytics, per user), the
share of their events that are clicks, searches and video plays (``EVENT_MIX``), the
mean time between two events of a session (how long they dwell), and the mean value of
an order (NaN before the first). Sessions follow the 30-minute inactivity rule. All are
ratios, so the calendar cancels. Users who come as often can still come for different
things, and the kind of user they are says how likely they are to stop: on the
generator's development seeds (101, 202; 6,000 users) the session profile raised ours'
ROC-AUC in all eight conditions, by 0.006 to 0.020 among the users active in the week
before the cut-off, and the event mix, dwell time and order value in all eight again,
by 0.0004 to 0.037 (docs/ml.md)."""
LIFETIME_TOTALS: Final = (
    "events",
    "active_days",
    "sessions",
    "purchases",
    "monetary",
    "error_events",
)
"""Totals that grow with the calendar: a model trained at an earlier cut-off sees smaller
ones, so the churn model uses the 28-day counts and per-week rates instead."""
CALENDAR_BOUND: Final = (*LIFETIME_TOTALS, "tenure_days")
"""Features whose range is set by how long the history has run rather than by the user:
the lifetime totals, and tenure, which a log cuts off at its first day (on day N of a log
every user is at most N days old; a log of one acquisition cohort gives everyone the same
tenure). Trained a horizon before the cut-off it scores, a model never sees the later
values: a tree puts them all in its last bin, a linear model extrapolates them. On
development data (not the seeds reported in docs/ml.md) tenure took a logistic model's
Brier score from 0.013 to 0.208 (generator seed 101, day 80) and the booster's ROC-AUC
from 0.696 to 0.624 (CDNOW purchase log, customers active in the last 30 days before
1998-01-01), so the churn model leaves all of these out. Per-week rates keep tenure as
their denominator, where the calendar cancels."""
BEHAVIOUR_FEATURES: Final = (
    "events",
    "event_rate_per_min",
    "gap_cv",
    "median_gap_s",
    "pages_per_min",
    "purchase_velocity",
    "max_events_per_min",
)


@dataclass(frozen=True)
class FeatureTable:
    """One row per user (``users`` sorted), one column per name."""

    users: StrArray
    names: tuple[str, ...]
    values: FloatArray

    def column(self, name: str) -> FloatArray:
        """One feature for every user."""
        return self.values[:, self.names.index(name)]

    def rows(self, users: StrArray) -> FeatureTable:
        """The rows of ``users`` (each must be present), in that order."""
        index = np.searchsorted(self.users, users)
        return FeatureTable(users, self.names, self.values[index])


def is_error(names: StrArray) -> np.ndarray:
    """Which event names report an error or a failure (case-insensitive)."""
    lowered = np.char.lower(names.astype(str))
    hits = np.zeros(names.size, dtype=bool)
    for marker in ERROR_MARKERS:
        hits |= np.char.find(lowered, marker) >= 0
    return hits


def churn_features(log: EventLog, cutoff: float) -> FeatureTable:
    """Churn features of every user with an event before ``cutoff`` (Unix seconds)."""
    g = group(log.before(cutoff))
    n = g.users.size
    last_index = g.starts + g.counts - 1
    first, last = g.time[g.starts], g.time[last_index]
    recency = (cutoff - last) / DAY_S
    tenure = (cutoff - first) / DAY_S
    day = np.floor(g.time / DAY_S).astype(np.int64)
    new_day = np.ones(g.time.size, dtype=bool)
    new_day[1:] = (g.code[1:] != g.code[:-1]) | (day[1:] != day[:-1])
    active_days = _per_user(g, new_day)
    visits = _Visits.of(g)
    sessions = visits.sessions
    bought = g.name == PURCHASE
    purchases = _per_user(g, bought)
    monetary = np.bincount(g.code, weights=np.where(bought, g.amount, 0.0), minlength=n)
    last_buy = np.full(n, -np.inf)
    np.maximum.at(last_buy, g.code[bought], g.time[bought])
    since_buy = np.where(np.isfinite(last_buy), (cutoff - last_buy) / DAY_S, np.nan)
    span_days = (last - first) / DAY_S
    mean_gap = np.where(sessions > 1, span_days / np.maximum(sessions - 1, 1), np.nan)
    ratio = np.where(sessions > 1, recency / np.maximum(mean_gap, 1e-3), np.nan)
    recent = g.time >= cutoff - LOOKBACK_DAYS * DAY_S
    weeks = np.maximum(tenure, 1.0) / 7.0
    trend, last_week = _weekly_trend(g, cutoff)
    errors = _per_user(g, is_error(g.name))
    values = np.column_stack(
        [
            recency,
            tenure,
            g.counts.astype(float),
            active_days,
            sessions,
            purchases,
            monetary,
            _per_user(g, recent),
            _per_user(g, recent & _first_of_session(g)),
            _per_user(g, recent & new_day),
            _per_user(g, recent & bought),
            np.bincount(g.code, weights=np.where(recent & bought, g.amount, 0.0), minlength=n),
            sessions / weeks,
            purchases / weeks,
            since_buy,
            mean_gap,
            ratio,
            trend,
            last_week,
            visits.abandonment(),
            errors,
            errors / g.counts,
            g.counts / sessions,
            visits.mean_minutes(),
            visits.mean(visits.carted),
            visits.mean(visits.bought),
            *(_per_user(g, g.name == name) / g.counts for name in EVENT_MIX),
            visits.seconds_between_events(g.counts),
            np.divide(monetary, purchases, out=np.full(n, np.nan), where=purchases > 0),
        ]
    )
    return FeatureTable(g.users, CHURN_FEATURES, values.reshape(n, len(CHURN_FEATURES)))


def behaviour_features(log: EventLog) -> FeatureTable:
    """What a user's activity looks like in ``log`` (one window): bots and bursts stand out.

    Rates are per active minute (session durations, at least one minute each), so a
    user who visits twice a day is not diluted by the hours in between.
    """
    g = group(log)
    n = g.users.size
    sessions_first = np.ones(g.time.size, dtype=bool)
    sessions_first[1:] = g.session[1:] != g.session[:-1]
    session_of_user = g.code[sessions_first]
    session_start = g.time[sessions_first]
    session_end = np.maximum.reduceat(g.time, np.flatnonzero(sessions_first)) if n else g.time
    minutes = np.bincount(
        session_of_user, weights=(session_end - session_start) / 60.0 + 1.0, minlength=n
    )
    gaps = np.diff(g.time)
    within = ~sessions_first[1:]
    gap_user = g.code[1:][within]
    gap = gaps[within]
    gap_count = np.bincount(gap_user, minlength=n).astype(float)
    gap_sum = np.bincount(gap_user, weights=gap, minlength=n)
    gap_sq = np.bincount(gap_user, weights=gap * gap, minlength=n)
    mean = np.divide(gap_sum, gap_count, out=np.zeros(n), where=gap_count > 0)
    var = np.divide(gap_sq, gap_count, out=np.zeros(n), where=gap_count > 0) - mean**2
    # fewer than two gaps says nothing about regularity: 1.0 is an exponential's CV
    cv = np.where(
        (gap_count >= 2) & (mean > 0), np.sqrt(np.maximum(var, 0.0)) / np.maximum(mean, 1e-9), 1.0
    )
    median_gap = _median_gap(gap_user, gap, n)
    pages = _per_user(g, g.name == PAGE_VIEW)
    bought = g.name == PURCHASE
    velocity = _max_in_span(g, bought, BURST_PURCHASE_S)
    burst = _max_in_span(g, np.ones(g.time.size, dtype=bool), BURST_EVENTS_S)
    values = np.column_stack(
        [
            g.counts.astype(float),
            g.counts / minutes,
            cv,
            median_gap,
            pages / minutes,
            velocity,
            burst,
        ]
    )
    return FeatureTable(g.users, BEHAVIOUR_FEATURES, values.reshape(n, len(BEHAVIOUR_FEATURES)))


def _per_user(g: Grouped, mask: np.ndarray) -> FloatArray:
    return np.bincount(g.code[mask], minlength=g.users.size).astype(float)


def _first_of_session(g: Grouped) -> np.ndarray:
    first = np.ones(g.time.size, dtype=bool)
    first[1:] = g.session[1:] != g.session[:-1]
    return first


def _weekly_trend(g: Grouped, cutoff: float) -> tuple[FloatArray, FloatArray]:
    """Least-squares slope of sessions per week over the last weeks, relative to their mean.

    Negative when a user's visits are thinning out; relative so a heavy and a light user
    fading at the same pace look alike.
    """
    n = g.users.size
    first_of_session = _first_of_session(g)
    weeks_ago = np.floor((cutoff - g.time) / (7 * DAY_S)).astype(np.int64)
    keep = first_of_session & (weeks_ago < TREND_WEEKS)
    counts = np.zeros((n, TREND_WEEKS))
    np.add.at(counts, (g.code[keep], weeks_ago[keep]), 1.0)
    x = -np.arange(TREND_WEEKS, dtype=float)  # 0 is the last week, -3 four weeks back
    xc = x - x.mean()
    slope = (counts - counts.mean(axis=1, keepdims=True)) @ xc / float(xc @ xc)
    return slope / (counts.mean(axis=1) + 1.0), counts[:, 0]


@dataclass(frozen=True)
class _Visits:
    """Per session (the global numbers of :class:`Grouped`): its user, what it held, how long.

    Session-level facts, summed per user: a cart is abandoned per session, and a
    conversion rate counts sessions, not events.
    """

    owner: IntArray
    carted: np.ndarray
    bought: np.ndarray
    seconds: FloatArray
    sessions: FloatArray
    """Per user: how many sessions, the divisor of every mean."""

    @staticmethod
    def of(g: Grouped) -> _Visits:
        count = int(g.session[-1]) + 1 if g.session.size else 0
        owner = np.zeros(count, dtype=np.int64)
        owner[g.session] = g.code
        start = np.full(count, np.inf)
        np.minimum.at(start, g.session, g.time)
        end = np.full(count, -np.inf)
        np.maximum.at(end, g.session, g.time)
        return _Visits(
            owner=owner,
            carted=np.bincount(g.session[g.name == ADD_TO_CART], minlength=count) > 0,
            bought=np.bincount(g.session[g.name == PURCHASE], minlength=count) > 0,
            seconds=end - start,
            sessions=np.bincount(owner, minlength=g.users.size).astype(float),
        )

    def _summed(self, per_session: np.ndarray) -> FloatArray:
        weights = per_session.astype(float)
        return np.asarray(np.bincount(self.owner, weights, self.sessions.size), dtype=float)

    def mean(self, per_session: np.ndarray) -> FloatArray:
        """Mean over each user's sessions (for a flag, the share where it holds)."""
        return self._summed(per_session) / self.sessions

    def mean_minutes(self) -> FloatArray:
        """Mean session length, first to last event (0 for a one-event session)."""
        return self.mean(self.seconds / 60.0)

    def seconds_between_events(self, events: IntArray) -> FloatArray:
        """Mean time between two events of a session (NaN: no session of two events).

        A session's length is the sum of its gaps, and a user's ``events`` minus their
        sessions is how many gaps there are.
        """
        gaps = events - self.sessions
        mean: FloatArray = np.divide(
            self._summed(self.seconds), gaps, out=np.full(gaps.size, np.nan), where=gaps > 0
        )
        return mean

    def abandonment(self) -> FloatArray:
        """Share of a user's sessions with a cart that ended without a purchase (NaN: no cart)."""
        with_cart = self._summed(self.carted)
        abandoned = self._summed(self.carted & ~self.bought)
        share: FloatArray = np.divide(
            abandoned, with_cart, out=np.full(with_cart.size, np.nan), where=with_cart > 0
        )
        return share


def _median_gap(gap_user: IntArray, gap: FloatArray, n: int) -> FloatArray:
    """Median within-session gap per user (0 when the user has none)."""
    out = np.zeros(n)
    if gap.size == 0:
        return out
    order = np.lexsort((gap, gap_user))
    users, starts, counts = np.unique(gap_user[order], return_index=True, return_counts=True)
    sorted_gap = gap[order]
    low = sorted_gap[starts + (counts - 1) // 2]
    high = sorted_gap[starts + counts // 2]
    out[users] = (low + high) / 2.0
    return out


def _max_in_span(g: Grouped, mask: np.ndarray, span_s: float) -> FloatArray:
    """Most masked events of one user within any ``span_s`` seconds (a burst's height)."""
    n = g.users.size
    out = np.zeros(n)
    if not mask.any():
        return out
    code, time = g.code[mask], g.time[mask]
    # one sorted key per event: user blocks far apart, time inside (well within float64)
    key = code.astype(float) * 1e10 + (time - time.min())
    ends = np.searchsorted(key, key + span_s, side="left")
    np.maximum.at(out, code, (ends - np.arange(key.size)).astype(float))
    return out
