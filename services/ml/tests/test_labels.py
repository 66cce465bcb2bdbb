"""Churn labels and the time-based split."""

from __future__ import annotations

import numpy as np
import pytest

from eventtide.ml.features import churn_features
from eventtide.ml.history import DAY_S, EventLog
from eventtide.ml.labels import HorizonBeyondDataError, churn_labels, holdout_users, time_split

pytestmark = pytest.mark.unit

CUTOFF = 60 * DAY_S


def _history() -> EventLog:
    return EventLog.from_rows(
        [
            ("stays", 50 * DAY_S, "page_view", 0.0),
            ("stays", 80 * DAY_S, "page_view", 0.0),
            ("leaves", 55 * DAY_S, "purchase", 10.0),
            ("late", 95 * DAY_S, "page_view", 0.0),  # back only after the window
            ("late", 40 * DAY_S, "page_view", 0.0),
            ("new", 70 * DAY_S, "page_view", 0.0),  # not seen before the cut-off
            ("end", 91 * DAY_S, "page_view", 0.0),
        ]
    )


def test_a_user_churns_when_silent_for_the_whole_window_after_the_cutoff():
    labels = churn_labels(_history(), CUTOFF, horizon_days=30)
    assert dict(zip(labels.users, labels.churned, strict=True)) == {
        "late": 1.0,
        "leaves": 1.0,
        "stays": 0.0,
    }


def test_users_first_seen_after_the_cutoff_are_not_in_the_population():
    labels = churn_labels(_history(), CUTOFF, horizon_days=30)
    assert "new" not in labels.users


def test_a_window_past_the_end_of_the_data_is_refused():
    with pytest.raises(HorizonBeyondDataError):
        churn_labels(_history(), CUTOFF, horizon_days=40)


def test_the_training_labels_end_where_the_test_period_begins():
    split = time_split(CUTOFF, horizon_days=30)
    assert split.train_cutoff == CUTOFF - 30 * DAY_S
    assert split.train_cutoff + 30 * DAY_S <= split.test_cutoff


def test_features_at_a_cutoff_do_not_change_when_later_events_change():
    log = _history()
    later = EventLog.from_rows([("stays", 59 * DAY_S + 1, "x", 0.0)])
    shifted = EventLog(
        np.concatenate([log.user, later.user]),
        np.concatenate([log.time, later.time + 2 * DAY_S]),  # lands after the cut-off
        np.concatenate([log.name, later.name]),
        np.concatenate([log.amount, later.amount]),
    )
    before = churn_features(log, CUTOFF)
    after = churn_features(shifted, CUTOFF)
    np.testing.assert_array_equal(before.users, after.users)
    np.testing.assert_allclose(before.values, after.values, equal_nan=True)


def test_the_holdout_is_stable_per_user_whoever_else_is_present():
    users = np.array([f"u-{i}" for i in range(2000)])
    mask = holdout_users(users, 0.3)
    assert 0.25 < mask.mean() < 0.35
    subset = users[::7]
    np.testing.assert_array_equal(holdout_users(subset, 0.3), mask[::7])
