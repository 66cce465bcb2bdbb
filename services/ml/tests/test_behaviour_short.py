"""The short model under a day's: fitted on the same users' hours, saved and loaded with
the day's, and judging the last hop of each hopping window, so a burst a whole day
dilutes still alerts within its hour."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from eventtide.ml.behave_alerts import alert_rows
from eventtide.ml.behave_state import US, ClosedWindow
from eventtide.ml.behaviour_model import BehaviourModel, fit_with_short
from eventtide.ml.history import EventLog

pytestmark = pytest.mark.unit

HOUR, DAY = 3_600.0, 86_400.0


def _humans(days: int = 12, users: int = 40, seed: int = 2) -> EventLog:
    """People in a few sessions a day: page views, clicks, now and then one purchase."""
    rng = np.random.default_rng(seed)
    rows = []
    for day in range(days):
        for user in range(users):
            for _ in range(1 + rng.poisson(1.0)):
                at = day * DAY + rng.uniform(0, DAY - HOUR)
                for _ in range(4 + rng.poisson(5)):
                    name = str(rng.choice(["page_view", "click", "purchase"], p=[0.7, 0.28, 0.02]))
                    rows.append((f"u{user}", at, name, 20.0 if name == "purchase" else 0.0))
                    at += float(rng.exponential(50.0)) + 3.0
    return EventLog.from_rows(rows)


@pytest.fixture(scope="module")
def model() -> BehaviourModel:
    return fit_with_short(_humans(), DAY, trees=100)


def test_a_day_model_carries_an_hour_model_through_its_artefact(model: BehaviourModel) -> None:
    assert model.short is not None
    assert model.short.window_s == HOUR
    assert model.short.short is None
    back = BehaviourModel.from_artefact(model.to_artefact())
    assert back.short is not None
    assert back.short.threshold == model.short.threshold
    hours_only = fit_with_short(_humans(days=3), HOUR, trees=20)
    assert hours_only.short is None
    wrong = {**model.to_artefact(), "short": {**model.to_artefact(), "short": None}}
    with pytest.raises(ValueError, match="shorter windows"):
        BehaviourModel.from_artefact(wrong)


def _day_with_burst(user: str, end_us: int) -> ClosedWindow:
    """A person's ordinary day whose last hour holds six purchases 45 s apart."""
    start = end_us - round(DAY * US)
    times = [start + k * 1_800 * US for k in range(40)]
    codes = "vvvo" * 10
    burst = [end_us - 3_000 * US + k * 45 * US for k in range(6)]
    return ClosedWindow(user, start, tuple(times + burst), codes + "p" * 6)


def test_a_burst_in_the_last_hop_alerts_though_the_day_model_lets_it_pass(
    model: BehaviourModel,
) -> None:
    window = _day_with_burst("card-tester", round(20 * DAY * US))
    blind_day = replace(model, threshold=1.0)  # a day model that flags nothing
    rows = alert_rows([window], blind_day, 1, hop_us=round(HOUR * US))
    assert len(rows) == 1
    evidence = rows[0]["evidence"]
    assert evidence["flagged"] is False
    assert evidence["last_hop"]["flagged"] is True
    assert evidence["last_hop"]["start"] == window.start_us + round((DAY - HOUR) * US)
    # tumbling days (no hop) or a hop the short model does not judge: the day model alone
    assert alert_rows([window], blind_day, 1) == []
    assert alert_rows([window], blind_day, 1, hop_us=round(2 * HOUR * US)) == []
    assert alert_rows([window], replace(blind_day, short=None), 1, hop_us=round(HOUR * US)) == []
