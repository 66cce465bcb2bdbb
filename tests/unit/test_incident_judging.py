"""bench/ml/incidents.py's judging: alerts the recorded bursts explain never find incidents."""

from __future__ import annotations

import numpy as np
import pytest

from bench.ml.incidents import DAYS, DEFAULT_CONFIG, MIN_VOLUME, START, _scorers, judge
from eventtide.ml.anomaly import Alert, Direction
from eventtide.ml.evaluate import Interval

pytestmark = pytest.mark.unit

H = 3600.0


def _alert(series: str, start: float, end: float, direction: Direction = "up") -> Alert:
    return Alert(series, start, end, 10.0, 30.0, 6.0, direction)


def test_a_burst_alert_during_an_incident_is_true_but_does_not_find_it() -> None:
    incident = Interval(10 * H, 12 * H)
    burst = Interval(10.5 * H, 10.5 * H + 60)
    clicks = _alert("events.click", 10 * H, 11 * H)
    judged = judge([clicks], [], [incident], [burst])
    assert (judged.incidents.detected, judged.incidents.false_alerts) == (0, 0)
    assert judged.incidents.precision == 1.0
    assert (judged.with_bursts.detected, judged.with_bursts.incidents) == (1, 2)


def test_an_alert_that_stays_without_the_bursts_is_the_incidents_or_false() -> None:
    incident = Interval(10 * H, 12 * H)
    burst = Interval(30 * H, 30 * H + 60)
    drop = _alert("users.platform.ios", 11 * H, 12 * H, "down")
    spike = _alert("events.click", 30 * H, 31 * H)
    stray = _alert("events.search", 50 * H, 51 * H)
    # without the bursts' events the drop and the stray alert remain, the spike goes
    without = [drop, _alert("events.search", 50 * H, 52 * H)]
    judged = judge([drop, spike, stray], without, [incident], [burst])
    assert judged.incidents.delays == (H,)
    assert (judged.incidents.true_alerts, judged.incidents.false_alerts) == (2, 1)
    assert [len(g) for g in judged.burst_groups] == [1]


def test_a_rise_that_is_a_drop_without_the_bursts_is_still_the_bursts() -> None:
    incident = Interval(10 * H, 16 * H)
    burst = Interval(14 * H, 14 * H + 600)
    conversion = "conversion.checkout_started->purchase"
    rise = _alert(conversion, 14 * H, 16 * H, "up")  # fraud purchases during the outage
    # without the burst's purchases the same windows read as the drop they hid
    judged = judge([rise], [_alert(conversion, 14 * H, 16 * H, "down")], [incident], [burst])
    assert judged.incidents.detected == 0
    assert [len(g) for g in judged.burst_groups] == [1]


def test_event_counts_under_the_minimum_volume_are_not_tracked() -> None:
    hours = DAYS * 24
    times = (START.timestamp() + H * np.arange(hours)).astype(np.float64)
    busy = np.full(hours, MIN_VOLUME)
    sparse = np.where(np.arange(hours) < 24, 10.0, 0.0)  # a first day of signups, then none
    counts = {
        "events.page_view": busy,
        "events.signup": sparse,
        "platform.ios": busy,
        "users.platform.ios": np.full(hours, 2.0),
        "revenue": np.full(hours, 1.0),
    }
    names = [name for name, _ in _scorers(counts, counts, times, DEFAULT_CONFIG)]
    assert names == ["events.page_view", "platform.ios", "revenue", "users.platform.ios"]


def test_an_incident_is_credited_to_the_series_it_moves_only() -> None:
    from bench.ml.incidents import moves

    assert moves("broken_checkout", {}, "conversion.checkout_started->purchase")
    assert not moves("broken_checkout", {}, "platform.web")
    assert moves("degradation", {}, "events.add_to_cart")
    assert not moves("degradation", {}, "platform.android")
    ios = {"platform": "ios"}
    assert moves("outage", ios, "users.platform.ios")
    assert moves("outage", ios, "users.country.DE")  # iOS users are in every country
    assert moves("outage", ios, "events.page_view")
    assert not moves("outage", ios, "platform.web")
    assert not moves("outage", ios, "users.platform.android")
    assert not moves("outage", ios, "conversion.add_to_cart->checkout_started")
    assert moves("surge", {"page": "/p/1"}, "conversion.page_view->add_to_cart")
    assert not moves("surge", {"page": "/p/1"}, "conversion.checkout_started->purchase")


def test_drawn_hours_keep_each_incident_on_its_day_and_change_nothing_else() -> None:
    from bench.ml.incidents import INCIDENTS, at_drawn_hours
    from eventtide.producer.generator import parse_incident

    placed = at_drawn_hours(INCIDENTS, 7)
    assert placed == at_drawn_hours(INCIDENTS, 7)  # the seed decides, nothing else
    hours_by_seed = {at_drawn_hours(INCIDENTS, seed) for seed in range(20)}
    assert len(hours_by_seed) > 1
    for seed in range(20):
        for before, after in zip(INCIDENTS, at_drawn_hours(INCIDENTS, seed), strict=True):
            old, new = parse_incident(before), parse_incident(after)
            assert old.start_s is not None
            assert new.start_s is not None
            assert new.start_s // 86_400 == old.start_s // 86_400  # same day
            assert new.start_s % 3600 == 0  # whole hours: windows stay aligned
            assert (new.kind, new.duration_s, new.severity, new.platform) == (
                old.kind, old.duration_s, old.severity, old.platform,
            )  # fmt: skip
    starts = [parse_incident(p).start_s or 0.0 for s in range(50)
              for p in at_drawn_hours(INCIDENTS, s)]  # fmt: skip
    hours = {start % 86_400 / 3600 for start in starts}
    assert hours == set(range(24))  # every hour of the day can be drawn
    with pytest.raises(ValueError, match="without a start"):
        at_drawn_hours(("surge,duration=1h",), 7)
