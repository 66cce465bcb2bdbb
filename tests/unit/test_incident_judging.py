"""bench/ml/incidents.py's judging: alerts the recorded bursts explain never find incidents."""

from __future__ import annotations

import pytest

from bench.ml.incidents import judge
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
