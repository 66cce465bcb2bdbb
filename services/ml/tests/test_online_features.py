"""``features.v1`` values rebuilt from a history, their labels, and scoring with reasons."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from eventtide.ml.explain import Curve, partial_dependence
from eventtide.ml.history import DAY_S, EventLog
from eventtide.ml.online_features import ONLINE_FEATURES, online_rows, record_matrix
from eventtide.ml.online_training import split_rows
from eventtide.ml.scoring import ScoringModel, prediction_id, score_records

pytestmark = pytest.mark.unit

LOG = EventLog.from_rows(
    [
        ("a", 0.0, "page_view", 0.0),
        ("a", 60.0, "page_view", 0.0),  # same session (gap 60 s)
        ("a", DAY_S, "purchase", 10.0),
        ("a", 9 * DAY_S, "page_view", 0.0),
        ("a", 50 * DAY_S, "page_view", 0.0),
        ("b", 5 * DAY_S, "page_view", 0.0),
    ]
)


def test_rows_follow_the_features_v1_definitions() -> None:
    rows = online_rows(LOG, horizon_days=30, history_end=70 * DAY_S)
    assert rows.users.tolist() == ["a", "a", "a", "a", "b"]
    assert rows.as_of.tolist() == [60.0, DAY_S, 9 * DAY_S, 50 * DAY_S, 5 * DAY_S]
    v = {name: rows.values[:, i] for i, name in enumerate(ONLINE_FEATURES)}
    assert math.isnan(v["recency_s"][0])
    assert math.isnan(v["recency_s"][4])
    assert v["recency_s"][1:4].tolist() == [DAY_S - 60, 8 * DAY_S, 41 * DAY_S]
    assert v["sessions_7d"].tolist() == [1, 2, 1, 1, 1]
    assert v["sessions_30d"].tolist() == [1, 2, 3, 1, 1]
    assert v["events_7d"].tolist() == [2, 3, 1, 1, 1]
    assert v["purchases_30d"].tolist() == [0, 1, 1, 0, 0]
    assert v["monetary_30d_cents"].tolist() == [0, 1000, 1000, 0, 0]
    # session 3 (day 9): 1 event this week, 3 in the week before -> (1+1)/(3+1)
    assert v["activity_trend"][2] == pytest.approx(0.5)
    # churned: a's day-9 session is followed 41 days later; a's last has no known label
    assert rows.churned[:3].tolist() == [0.0, 0.0, 1.0]
    assert math.isnan(rows.churned[3])
    assert rows.churned[4] == 1.0


def test_a_record_without_a_numeric_field_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="sessions_7d"):
        record_matrix([{"recency_s": None, "sessions_7d": "x"}])


def test_the_split_refuses_a_history_too_short() -> None:
    rows = online_rows(LOG, 30, 70 * DAY_S)
    with pytest.raises(ValueError, match="two horizons"):
        split_rows(rows, 40 * DAY_S, 30)


def test_scores_carry_the_top_features_and_a_version_free_id() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, len(ONLINE_FEATURES)))
    y = (x[:, 1] > 0).astype(int)  # only sessions_7d matters
    fitted = HistGradientBoostingClassifier(max_iter=20).fit(x, y)
    curves = partial_dependence(lambda m: fitted.predict_proba(m)[:, 1], x)
    restored = tuple(Curve.from_json(c.to_json()) for c in curves)
    model = ScoringModel("m", 3, fitted, tuple([0.0] * 7), restored)
    record = {name: 0.0 for name in ONLINE_FEATURES} | {
        "sessions_7d": 3.0, "recency_s": 1.0, "feature_id": "f1", "user_id": "u", "as_of": 5,
    }  # fmt: skip
    [row] = score_records(model, [record], scored_at=9)
    assert row["contributions"][0]["feature"] == "sessions_7d"
    assert row["contributions"][0]["effect"] > 0.3
    assert row["contributions"][0]["value"] == 3.0
    assert row["prediction_id"] == prediction_id("m", "f1") != prediction_id("n", "f1")
    assert (row["model_version"], row["as_of"], row["user_id"]) == (3, 5, "u")
    assert 0.9 < row["score"] <= 1.0


def test_a_curve_reads_between_points_and_gives_missing_its_own_value() -> None:
    curve = Curve(np.array([0.0, 10.0]), np.array([0.2, 0.6]), missing=0.9)
    assert curve.at(np.array([5.0, -1.0, 99.0, np.nan])).tolist() == pytest.approx(
        [0.4, 0.2, 0.6, 0.9]
    )
