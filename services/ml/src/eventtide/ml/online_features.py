"""The ``features.v1`` record, rebuilt from an event history, and its churn label.

The scorer sees one ``features.v1`` record per closed session (docs/processor.md,
Features); the model it uses must be trained on the same quantities, or serving would
score numbers the model never saw. This module computes those records from an
:class:`EventLog` with the same definitions (30-minute sessions, windows ending at the
session's end, ``end > as_of - window``) and labels each one: churned when the user has
no event in the ``horizon`` after it. Pure and vectorised: one sort, cumulative sums and
``searchsorted`` per window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from eventtide.ml.features import PURCHASE
from eventtide.ml.history import DAY_S, EventLog, FloatArray, StrArray, group

ONLINE_FEATURES: Final = (
    "recency_s",
    "sessions_7d",
    "sessions_30d",
    "events_7d",
    "purchases_30d",
    "monetary_30d_cents",
    "activity_trend",
)
"""The numeric fields of a ``features.v1`` record, in the model's column order."""

WEEK_S: Final = 7 * DAY_S
MONTH_S: Final = 30 * DAY_S
MICRO: Final = 1_000_000


@dataclass(frozen=True)
class OnlineRows:
    """One row per session: its user, its end (Unix s), features, and label.

    ``churned`` is 1.0 when the user had no event within the horizon after ``as_of``,
    0.0 when they had one, NaN when the history ends before the horizon does.
    """

    users: StrArray
    as_of: FloatArray
    values: FloatArray
    churned: FloatArray

    def select(self, mask: np.ndarray) -> OnlineRows:
        """The rows where ``mask`` is true."""
        return OnlineRows(self.users[mask], self.as_of[mask], self.values[mask], self.churned[mask])


def online_rows(log: EventLog, horizon_days: float, history_end: float) -> OnlineRows:
    """Every session's ``features.v1`` values as of its end, labelled by ``horizon_days``.

    ``history_end`` is where the history stops (Unix s): a session whose horizon reaches
    past it has no known label.
    """
    g = group(log)
    if g.time.size == 0:
        empty = np.zeros(0)
        return OnlineRows(np.zeros(0, dtype=str), empty, np.zeros((0, 7)), empty)
    sid = g.session
    n = int(sid[-1]) + 1
    first = np.searchsorted(sid, np.arange(n), side="left")
    last = np.searchsorted(sid, np.arange(n), side="right") - 1
    start, end = g.time[first], g.time[last]
    user = g.code[first]
    events = (last - first + 1).astype(float)
    bought = g.name == PURCHASE
    purchases = np.bincount(sid, weights=bought.astype(float), minlength=n)
    cents = np.bincount(sid, weights=np.where(bought, g.amount * 100.0, 0.0), minlength=n)
    span = float(end.max() - end.min()) + 2 * MONTH_S + 1.0
    key = user * span + (end - end.min())  # sessions sorted by user then end: monotone

    def within(window: float, values: np.ndarray) -> FloatArray:
        """Sum of ``values`` over the user's sessions ending in ``(end - window, end]``."""
        total = np.concatenate(([0.0], np.cumsum(values)))
        low = np.searchsorted(key, key - window, side="right")
        return np.asarray(total[np.arange(n) + 1] - total[low], dtype=float)

    ones = np.ones(n)
    same_user_before = np.zeros(n, dtype=bool)
    same_user_before[1:] = user[1:] == user[:-1]
    recency = np.full(n, np.nan)
    recency[1:] = start[1:] - end[:-1]
    recency[~same_user_before] = np.nan
    events_7d = within(WEEK_S, events)
    events_prior = within(2 * WEEK_S, events) - events_7d
    values = np.column_stack(
        [
            recency,
            within(WEEK_S, ones),
            within(MONTH_S, ones),
            events_7d,
            within(MONTH_S, purchases),
            within(MONTH_S, cents),
            (events_7d + 1.0) / (events_prior + 1.0),
        ]
    )
    same_user_after = np.zeros(n, dtype=bool)
    same_user_after[:-1] = user[:-1] == user[1:]
    next_start = np.full(n, np.inf)
    next_start[:-1] = np.where(same_user_after[:-1], start[1:], np.inf)
    horizon = horizon_days * DAY_S
    churned = np.where(next_start - end > horizon, 1.0, 0.0)
    churned[(end + horizon > history_end) & (next_start - end > horizon)] = np.nan
    return OnlineRows(g.users[user], end, values, churned)


def record_matrix(records: Sequence[Mapping[str, Any]]) -> FloatArray:
    """``features.v1`` records as the model's matrix (a null recency becomes NaN).

    A record missing a field, or with a value that is not a number, raises
    ``ValueError`` naming it; the scorer counts such records instead of scoring them.
    """
    matrix = np.empty((len(records), len(ONLINE_FEATURES)))
    for row, record in enumerate(records):
        for column, name in enumerate(ONLINE_FEATURES):
            value = record.get(name)
            if value is None and name == "recency_s":
                matrix[row, column] = np.nan
            elif isinstance(value, int | float) and not isinstance(value, bool):
                matrix[row, column] = value
            else:
                raise ValueError(f"features record has no numeric {name!r}: {value!r}")
    return matrix
