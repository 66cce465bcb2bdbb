"""The behaviour model: per-user windows, the fitted forest with its threshold, a baseline.

Pure. A user's events are cut into tumbling event-time windows (an hour by default),
each user-window becomes one row of :data:`BEHAVIOUR_FEATURES` (sessions split inside
the window, as the live loop sees them when the window closes), and the IsolationForest
is fitted on the training rows with its alert threshold set by :func:`robust_cut`. The
registered artefact holds the forest and plain numbers only, so the skops type check
that guards every artefact applies to it.

The baseline is what an analyst would try first: events per active minute alone, on a
log scale, flagged above the same robust cut (median + ``k`` robust sigmas of the
training rows). Bots click fast; the question is whether the other features earn
their place beyond that one number.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np
from sklearn.ensemble import IsolationForest

from eventtide.ml.anomaly import (
    MIN_SCORE_SPREAD,
    ROBUST_K,
    BehaviourDetector,
    isolation_scores,
    robust_scale,
)
from eventtide.ml.features import BEHAVIOUR_FEATURES, FeatureTable, behaviour_features
from eventtide.ml.history import EventLog, FloatArray

BEHAVIOUR_MODEL: Final = "behaviour"
BEHAVIOUR_WINDOWS: Final = {"tumbling_1h": 3_600.0, "tumbling_1d": 86_400.0}
"""Window sizes the behaviour model can be trained on and served with (seconds)."""
SHORT_WINDOW_S: Final = 3_600.0
"""The short model's window under a longer one: the hop ``ml behave`` judges by default."""
KEY_SEP: Final = "\x1f"
"""Joins a user id and a window start into one grouping key (never inside a user id)."""
ARTEFACT_KIND: Final = "behaviour"


@dataclass(frozen=True)
class UserWindows:
    """Behaviour features per (user, window): ``table.users`` holds the row keys."""

    table: FeatureTable
    users: np.ndarray
    starts: FloatArray

    def __len__(self) -> int:
        return int(self.starts.size)


def window_key(user: str, start: float) -> str:
    """The grouping key of one user's window (start in whole seconds)."""
    return f"{user}{KEY_SEP}{int(start)}"


def window_features(log: EventLog, window_s: float) -> UserWindows:
    """One row per user and tumbling window holding at least one of their events."""
    starts = np.floor(log.time / window_s) * window_s
    keys = np.array(
        [window_key(u, s) for u, s in zip(log.user.tolist(), starts.tolist(), strict=True)],
        dtype=str,
    )
    return _keyed_windows(behaviour_features(EventLog(keys, log.time, log.name, log.amount)))


def _keyed_windows(table: FeatureTable) -> UserWindows:
    """A table keyed by :func:`window_key` with its users and window starts split out."""
    parts = [str(k).split(KEY_SEP) for k in table.users]
    users = np.array([p[0] for p in parts], dtype=str)
    window_starts = np.array([float(p[1]) for p in parts], dtype=float)
    return UserWindows(table, users, window_starts)


def panes_per_window(window_s: float, hop_s: float) -> int:
    """How many hops make one window; ``ValueError`` unless the hop divides the window."""
    if not (np.isfinite(hop_s) and hop_s > 0):
        raise ValueError(f"the hop must be a positive number of seconds, not {hop_s!r}")
    panes = window_s / hop_s
    if panes < 1 or abs(panes - round(panes)) > 1e-9:
        raise ValueError(
            f"a hop of {hop_s:g} s does not divide the model's {window_s:g} s window: "
            "choose a hop that does (3600 s divides both an hour and a day)"
        )
    return round(panes)


def served_hop(window_s: float, hop_s: float) -> float:
    """The hop a model of ``window_s`` is served with: ``hop_s``, or the window when the
    hop is longer (that would skip events); ``ValueError`` unless it divides the window."""
    hop = min(hop_s, window_s)
    panes_per_window(window_s, hop)
    return hop


def hopping_windows(log: EventLog, window_s: float, hop_s: float) -> UserWindows:
    """One row per user and window of ``window_s`` seconds ending at a multiple of
    ``hop_s`` whose last hop holds at least one of the user's events.

    This is what ``ml behave`` judges when it closes a hop: the user's trailing window,
    not the hop alone. A bot's single hour can look like a busy person's, while its
    trailing day does not; and a user idle in the last hop is not judged again on old
    events. With the hop equal to the window these are the tumbling windows of
    :func:`window_features`.
    """
    panes = panes_per_window(window_s, hop_s)
    if panes == 1 or len(log) == 0:
        return window_features(log, window_s)
    users, code = np.unique(log.user, return_inverse=True)
    pane = np.floor(log.time / hop_s).astype(np.int64)
    first = int(pane.min())
    # one sortable number per (user, pane): the user in the high bits
    key = (code.astype(np.int64) << 32) | (pane - first)
    active = np.unique(key)
    lo = np.searchsorted(active, key, side="left")
    hi = np.searchsorted(active, key + panes, side="left")
    repeats = hi - lo
    event = np.repeat(np.arange(len(log)), repeats)
    offset = np.arange(event.size) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    window_of_event = np.repeat(lo, repeats) + offset
    ends = ((active & 0xFFFFFFFF) + first + 1).astype(float) * hop_s
    window_keys = np.array(
        [window_key(str(users[u]), e - window_s) for u, e in zip((active >> 32).tolist(),
                                                                 ends.tolist(), strict=True)],
        dtype=str,
    )  # fmt: skip
    expanded = EventLog(
        window_keys[window_of_event], log.time[event], log.name[event], log.amount[event]
    )
    return _keyed_windows(behaviour_features(expanded))


@dataclass(frozen=True)
class BehaviourModel:
    """The fitted forest, its alert threshold and the training scores' median and sigma.

    ``short`` is a second model of shorter tumbling windows (an hour under a day's
    model) that judges the last hop of each hopping window: a burst of a few orders
    moves one feature of a whole day and is diluted there, while in its own hour it
    stands out. A window is flagged when either model flags it.
    """

    forest: IsolationForest
    threshold: float
    robust_k: float
    window_s: float
    median: float
    sigma: float
    trained_rows: int
    short: BehaviourModel | None = None

    def score(self, table: FeatureTable) -> FloatArray:
        """Isolation score per row: higher is stranger."""
        return isolation_scores(self.forest, table)

    def flag(self, table: FeatureTable) -> np.ndarray:
        """Rows above the threshold."""
        return self.score(table) > self.threshold

    def z(self, scores: FloatArray) -> FloatArray:
        """Scores as robust z (how many robust sigmas above the median training score)."""
        return (np.asarray(scores, dtype=float) - self.median) / self.sigma

    def to_artefact(self) -> dict[str, Any]:
        """What is saved with skops: the forest and plain numbers (and the short model's)."""
        return {
            "kind": ARTEFACT_KIND,
            "forest": self.forest,
            "threshold": self.threshold,
            "robust_k": self.robust_k,
            "window_s": self.window_s,
            "median": self.median,
            "sigma": self.sigma,
            "trained_rows": self.trained_rows,
            "features": list(BEHAVIOUR_FEATURES),
            "short": None if self.short is None else self.short.to_artefact(),
        }

    @staticmethod
    def from_artefact(document: Any) -> BehaviourModel:
        """Back from a loaded artefact, or ``ValueError`` saying what does not fit."""
        if not isinstance(document, dict) or document.get("kind") != ARTEFACT_KIND:
            raise ValueError("the artefact is not a behaviour model")
        if tuple(document.get("features", ())) != BEHAVIOUR_FEATURES:
            raise ValueError(
                f"the model uses features {document.get('features')}, not {BEHAVIOUR_FEATURES}"
            )
        forest = document["forest"]
        if not isinstance(forest, IsolationForest):
            raise ValueError(f"the model holds a {type(forest).__name__}, not an IsolationForest")
        numbers = ("threshold", "robust_k", "window_s", "median", "sigma")
        values = {name: float(document[name]) for name in numbers}
        if not all(np.isfinite(v) for v in values.values()) or values["window_s"] <= 0:
            raise ValueError(f"the model's numbers are not usable: {values}")
        short = document.get("short")
        model = BehaviourModel(
            forest=forest,
            trained_rows=int(document["trained_rows"]),
            short=None if short is None else BehaviourModel.from_artefact(short),
            **values,
        )
        if model.short is not None and not (
            model.short.short is None and model.short.window_s < model.window_s
        ):
            raise ValueError("the short model must judge shorter windows and hold no model itself")
        return model


def fit_behaviour(
    table: FeatureTable, window_s: float, *, robust_k: float = ROBUST_K, trees: int = 200
) -> BehaviourModel:
    """Fit the forest on training user-windows and set its threshold by the robust rule.

    Fitted on tumbling windows even when served on hopping ones: trailing windows would
    give a user active every hour a row per hour, and a bot filling the training rows
    with near-copies of itself is no longer few and different.
    """
    if len(table.users) < 2:
        raise ValueError(f"{len(table.users)} training rows: the forest needs at least two")
    detector = BehaviourDetector(trees=trees, robust_k=robust_k).fit(table)
    median, sigma = robust_scale(detector.score(table), floor=MIN_SCORE_SPREAD)
    return BehaviourModel(
        forest=detector.forest,
        threshold=detector.threshold,
        robust_k=robust_k,
        window_s=window_s,
        median=median,
        sigma=sigma,
        trained_rows=len(table.users),
    )


@dataclass(frozen=True)
class RateBaseline:
    """Events per active minute alone, on a log scale, above a robust cut."""

    median: float
    sigma: float
    robust_k: float

    @property
    def threshold(self) -> float:
        """The robust z above which a row is flagged."""
        return self.robust_k

    def score(self, table: FeatureTable) -> FloatArray:
        """Robust z of log(1 + events per active minute)."""
        rate = np.log1p(np.maximum(table.column("event_rate_per_min"), 0.0))
        z: FloatArray = (rate - self.median) / self.sigma
        return z


def fit_rate_baseline(table: FeatureTable, robust_k: float = ROBUST_K) -> RateBaseline:
    """The baseline's median and robust sigma over the training rows."""
    rate = np.log1p(np.maximum(table.column("event_rate_per_min"), 0.0))
    median, sigma = robust_scale(rate, floor=MIN_SCORE_SPREAD)
    return RateBaseline(median, sigma, robust_k)


def fit_with_short(
    log: EventLog, window_s: float, *, robust_k: float = ROBUST_K, trees: int = 200
) -> BehaviourModel:
    """The model of ``window_s`` tumbling windows of ``log`` with its short model."""
    model = fit_behaviour(window_features(log, window_s).table, window_s,
                          robust_k=robust_k, trees=trees)  # fmt: skip
    return with_short(model, log, robust_k=robust_k, trees=trees)


def with_short(
    model: BehaviourModel, log: EventLog, *, robust_k: float = ROBUST_K, trees: int = 200
) -> BehaviourModel:
    """``model`` (fitted on ``log``) and, for windows longer than an hour, the short model
    of the same log's tumbling hours (same rule, same ``k``)."""
    if model.window_s <= SHORT_WINDOW_S:
        return model
    hours = window_features(log, SHORT_WINDOW_S).table
    return replace(model, short=fit_behaviour(hours, SHORT_WINDOW_S, robust_k=robust_k,
                                              trees=trees))  # fmt: skip
