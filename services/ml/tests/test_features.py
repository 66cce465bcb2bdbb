"""Churn and behaviour features on hand-written histories."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eventtide.ml.features import behaviour_features, churn_features, is_error
from eventtide.ml.history import DAY_S, EventLog

pytestmark = pytest.mark.unit

CUTOFF = 100 * DAY_S


def _log(rows: list[tuple[str, float, str, float]]) -> EventLog:
    return EventLog.from_rows(rows)


def test_recency_frequency_monetary_and_tenure_count_only_events_before_the_cutoff():
    log = _log(
        [
            ("a", 90 * DAY_S, "page_view", 0.0),
            ("a", 90 * DAY_S + 60, "purchase", 40.0),
            ("a", 95 * DAY_S, "purchase", 10.0),
            ("a", 101 * DAY_S, "purchase", 999.0),  # after the cut-off: invisible
            ("b", 99 * DAY_S, "page_view", 0.0),
        ]
    )
    table = churn_features(log, CUTOFF)
    assert list(table.users) == ["a", "b"]
    a = dict(zip(table.names, table.values[0], strict=True))
    assert a["recency_days"] == pytest.approx(5.0)
    assert a["tenure_days"] == pytest.approx(10.0)
    assert a["events"] == 3
    assert a["purchases"] == 2
    assert a["monetary"] == pytest.approx(50.0)
    assert a["active_days"] == 2
    assert a["sessions"] == 2
    assert a["days_since_purchase"] == pytest.approx(5.0)
    assert a["mean_session_gap_days"] == pytest.approx(5.0)  # first to last event over one gap
    b = dict(zip(table.names, table.values[1], strict=True))
    assert math.isnan(b["days_since_purchase"])
    assert math.isnan(b["mean_session_gap_days"])


def test_sessions_split_after_thirty_minutes_of_silence():
    base = 50 * DAY_S
    log = _log(
        [
            ("a", base, "page_view", 0.0),
            ("a", base + 29 * 60, "page_view", 0.0),  # same session
            ("a", base + 29 * 60 + 31 * 60, "page_view", 0.0),  # new session
        ]
    )
    assert churn_features(log, CUTOFF).column("sessions")[0] == 2


def test_weekly_trend_is_negative_for_a_fading_user_and_positive_for_a_growing_one():
    fading = [
        ("f", CUTOFF - (w * 7 + 1) * DAY_S - k * 3600.0, "x", 0.0)
        for w in range(4)
        for k in range(w + 1)
    ]
    growing = [
        ("g", CUTOFF - (w * 7 + 1) * DAY_S - k * 3600.0, "x", 0.0)
        for w in range(4)
        for k in range(4 - w)
    ]
    table = churn_features(_log(fading + growing), CUTOFF)
    trend = dict(zip(table.users, table.column("weekly_trend"), strict=True))
    assert trend["f"] < 0 < trend["g"]
    assert table.column("last_week_sessions").tolist() == [1.0, 4.0]


def test_cart_abandonment_is_the_share_of_cart_sessions_without_a_purchase():
    day = 10 * DAY_S
    log = _log(
        [
            ("a", day, "add_to_cart", 0.0),
            ("a", day + 60, "purchase", 20.0),
            ("a", day + DAY_S, "add_to_cart", 0.0),  # abandoned
            ("a", day + 2 * DAY_S, "add_to_cart", 0.0),  # abandoned
            ("b", day, "page_view", 0.0),
        ]
    )
    share = churn_features(log, CUTOFF).column("cart_abandonment")
    assert share[0] == pytest.approx(2 / 3)
    assert math.isnan(share[1])


def test_session_profile_is_depth_length_and_the_shares_that_cart_and_buy():
    day = 20 * DAY_S
    log = _log(
        [
            # session 1: four events over 10 minutes, a cart and a purchase
            ("a", day, "page_view", 0.0),
            ("a", day + 120, "add_to_cart", 0.0),
            ("a", day + 300, "checkout_started", 0.0),
            ("a", day + 600, "purchase", 30.0),
            # session 2: one page view (0 minutes long)
            ("a", day + DAY_S, "page_view", 0.0),
            # session 3: a cart left behind, 2 minutes
            ("a", day + 2 * DAY_S, "page_view", 0.0),
            ("a", day + 2 * DAY_S + 120, "add_to_cart", 0.0),
            ("b", day, "page_view", 0.0),
            ("a", CUTOFF + 60, "purchase", 99.0),  # after the cut-off: invisible
        ]
    )
    table = churn_features(log, CUTOFF)
    a = dict(zip(table.names, table.values[0], strict=True))
    assert a["events_per_session"] == pytest.approx(7 / 3)
    assert a["session_minutes"] == pytest.approx((10 + 0 + 2) / 3)
    assert a["cart_session_share"] == pytest.approx(2 / 3)
    assert a["purchase_session_share"] == pytest.approx(1 / 3)
    assert a["cart_abandonment"] == pytest.approx(1 / 2)
    b = dict(zip(table.names, table.values[1], strict=True))
    assert (b["events_per_session"], b["session_minutes"]) == (1.0, 0.0)
    assert (b["cart_session_share"], b["purchase_session_share"]) == (0.0, 0.0)


def test_event_mix_dwell_time_and_order_value():
    day = 20 * DAY_S
    log = _log(
        [
            # session 1: gaps of 20 s, 40 s and 60 s
            ("a", day, "page_view", 0.0),
            ("a", day + 20, "click", 0.0),
            ("a", day + 60, "search", 0.0),
            ("a", day + 120, "purchase", 30.0),
            # session 2: one gap of 10 s
            ("a", day + DAY_S, "video_play", 0.0),
            ("a", day + DAY_S + 10, "purchase", 50.0),
            ("b", day, "page_view", 0.0),
            ("a", CUTOFF + 60, "click", 0.0),  # after the cut-off: invisible
        ]
    )
    table = churn_features(log, CUTOFF)
    a = dict(zip(table.names, table.values[0], strict=True))
    assert (a["click_share"], a["search_share"], a["video_share"]) == pytest.approx(
        (1 / 6, 1 / 6, 1 / 6)
    )
    assert a["seconds_between_events"] == pytest.approx((20 + 40 + 60 + 10) / 4)
    assert a["mean_order_value"] == pytest.approx(40.0)
    b = dict(zip(table.names, table.values[1], strict=True))
    assert (b["click_share"], b["search_share"], b["video_share"]) == (0.0, 0.0, 0.0)
    assert math.isnan(b["seconds_between_events"])
    assert math.isnan(b["mean_order_value"])


def test_error_exposure_counts_custom_event_names_that_report_failures():
    names = np.array(
        ["Payment Failed", "checkout_error", "page_view", "Crash Reported", "Invite Sent"]
    )
    assert is_error(names).tolist() == [True, True, False, True, False]
    log = _log([("a", 1.0, str(name), 0.0) for name in names])
    table = churn_features(log, CUTOFF)
    assert table.column("error_events")[0] == 3
    assert table.column("error_share")[0] == pytest.approx(3 / 5)


def test_behaviour_features_separate_a_click_bot_from_a_human():
    bot = [("bot", 1000.0 + i * 0.2, "click", 0.0) for i in range(300)]
    human = [("human", 1000.0 + i * 40.0 + (i % 3) * 17.0, "page_view", 0.0) for i in range(10)]
    table = behaviour_features(_log(bot + human))
    rows = {
        user: dict(zip(table.names, row, strict=True))
        for user, row in zip(table.users, table.values, strict=True)
    }
    assert rows["bot"]["max_events_per_min"] == 300
    assert rows["human"]["max_events_per_min"] <= 2
    assert rows["bot"]["event_rate_per_min"] > 50 * rows["human"]["event_rate_per_min"]
    assert rows["bot"]["gap_cv"] < 0.01 < rows["human"]["gap_cv"]
    assert rows["bot"]["median_gap_s"] == pytest.approx(0.2)
    assert rows["human"]["pages_per_min"] > 0 == rows["bot"]["pages_per_min"]


def test_purchase_velocity_counts_orders_within_ten_minutes():
    burst = [("f", 5000.0 + i * 30.0, "purchase", 500.0) for i in range(8)]
    spread = [("s", 5000.0 + i * 3600.0, "purchase", 50.0) for i in range(8)]
    table = behaviour_features(_log(burst + spread))
    assert table.column("purchase_velocity").tolist() == [8.0, 1.0]
