"""Metric anomaly scoring, thresholding and alerts; the behavioural detector."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import MONDAY, STEP, counts, funnel, inside, seasonal_mean

from eventtide.ml.anomaly import (
    BehaviourDetector,
    DetectorConfig,
    Level,
    Scored,
    alerts_from,
    count_z,
    explained_masks,
    fit_counts,
    fit_rate,
    one_sided_cut,
    robust_scale,
    score_counts,
    score_rate,
    trailing_sum,
    unexplained_sum,
)
from eventtide.ml.evaluate import Interval, detection_scores
from eventtide.ml.features import BEHAVIOUR_FEATURES, FeatureTable
from eventtide.ml.history import DAY_S

pytestmark = pytest.mark.unit

TRAIN_DAYS = 14
TEST_START = MONDAY + TRAIN_DAYS * DAY_S


def test_robust_scale_is_untouched_by_a_few_outliers():
    values = np.concatenate([np.random.default_rng(0).normal(0, 2, 500), [1e6] * 5])
    median, sigma = robust_scale(values)
    assert abs(median) < 0.3
    assert sigma == pytest.approx(2.0, rel=0.15)


def test_trailing_sum_adds_the_windows_before():
    assert trailing_sum(np.array([1.0, 2, 3, 4]), 2).tolist() == [1, 3, 5, 7]
    assert trailing_sum(np.array([1.0, 2, 3]), 1).tolist() == [1, 2, 3]


def test_quiet_windows_below_the_minimum_volume_never_alarm():
    times = MONDAY + np.arange(4000) * STEP
    train = 1.0 + np.random.default_rng(0).poisson(1, 4000)
    test = train.copy()
    test[100] = 20.0  # ten times the usual, but the usual is under the volume floor
    quiet = DetectorConfig(min_volume=5.0, spans=(1,))
    assert not score_counts(times, train, times, test, quiet).flagged.any()
    loud = DetectorConfig(min_volume=0.5, spans=(1,))
    assert np.flatnonzero(score_counts(times, train, times, test, loud).flagged).tolist() == [100]


def _split(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return times < TEST_START, times >= TEST_START


def test_spikes_and_outages_in_counts_are_found_with_no_false_alerts():
    times, values = counts(21, 30.0, seed=3)
    train, test = _split(times)
    spike = Interval(TEST_START + 2 * DAY_S + 20 * 3600, TEST_START + 2 * DAY_S + 21 * 3600)
    outage = Interval(TEST_START + 4 * DAY_S + 10 * 3600, TEST_START + 4 * DAY_S + 12 * 3600)
    values = values.copy()
    values[inside(times, spike)] *= 2.0
    values[inside(times, outage)] *= 0.3
    scored = score_counts(times[train], values[train], times[test], values[test])
    alerts = alerts_from("events", scored, STEP)
    scores = detection_scores([Interval(a.start, a.end) for a in alerts], [spike, outage])
    assert scores.recall == 1.0
    assert scores.false_alerts == 0
    assert scores.median_delay <= 2 * STEP
    assert {a.direction for a in alerts} == {"up", "down"}


def test_the_level_follows_a_population_that_shrinks_faster_than_its_trend() -> None:
    """Steady for the training fortnight, then losing 3% a day: the trained level reads
    it as an ever deeper drop; the adaptive level follows it and still finds a two-hour
    outage in the middle, which it does not learn."""
    times, _ = counts(28, 30.0, seed=11)
    days = (times - times[0]) / DAY_S
    shrink = np.where(days < TRAIN_DAYS, 1.0, 0.97 ** (days - TRAIN_DAYS))
    values = np.random.default_rng(12).poisson(seasonal_mean(times, 30.0) * shrink).astype(float)
    outage = Interval(TEST_START + 9 * DAY_S + 19 * 3600, TEST_START + 9 * DAY_S + 21 * 3600)
    values[inside(times, outage)] = np.round(values[inside(times, outage)] * 0.3)
    train, test = _split(times)
    fixed = DetectorConfig(level_half_life_days=None)
    held = score_counts(times[train], values[train], times[test], values[test], fixed)
    assert np.sum(held.flagged & ~inside(times[test], outage)) > 20  # the drift alarms
    adaptive = score_counts(times[train], values[train], times[test], values[test])
    alerts = alerts_from("events", adaptive, STEP)
    scores = detection_scores([Interval(a.start, a.end) for a in alerts], [outage])
    assert scores.recall == 1.0
    assert scores.false_alerts == 0
    # the outage's windows aged the level but added nothing to it
    level = Level(100.0, 100.0).after(3.0, 30.0, flagged=True, decay=0.99)
    assert level.ratio == 1.0
    assert Level(100.0, 100.0).after(3.0, 30.0, flagged=False, decay=0.99).ratio < 0.8


def test_the_return_to_the_profile_after_a_slow_fault_the_level_followed_is_no_alert() -> None:
    """Five days losing up to half the series, the level following the loss down, then
    the fix: the series is back on its profile at once, well above what the lagging level
    expects. That return is outlying against the level alone; against the level and
    the trained profile together it is nothing, and the level learns it."""
    times, _ = counts(28, 60.0, seed=17)
    days = (times - times[0]) / DAY_S
    fault = (days >= TRAIN_DAYS + 3) & (days < TRAIN_DAYS + 8)
    loss = np.where(fault, 0.5 * (days - TRAIN_DAYS - 3) / 5, 0.0)
    mean = seasonal_mean(times, 60.0) * (1.0 - loss)
    values = np.random.default_rng(18).poisson(mean).astype(float)
    train, test = _split(times)
    config = DetectorConfig()
    scored = score_counts(times[train], values[train], times[test], values[test], config)
    after = (days[test] >= TRAIN_DAYS + 8) & (days[test] < TRAIN_DAYS + 9)
    first_windows = np.flatnonzero(after)[:6]
    observed, lagging = values[test][first_windows].sum(), scored.expected[first_windows].sum()
    assert count_z(np.array([observed]), np.array([lagging]))[0] > config.threshold
    assert not scored.flagged[after].any()
    assert not scored.flagged[~fault[test]].any()
    profile = fit_counts(times[train], values[train], config).profile.expected(times[test])
    gap = np.abs(scored.expected / profile - 1.0)
    fix, day_later = np.flatnonzero(after)[0], np.flatnonzero(after)[-1] + 1
    assert gap[fix] > 0.2  # the level had followed the loss down
    assert gap[day_later] < gap[fix] / 2  # and learns the return: a half-life of a day


def test_a_live_step_with_the_level_equals_the_offline_score() -> None:
    times, values = counts(21, 30.0, seed=13)
    train, test = _split(times)
    values[test] = np.round(values[test] * 0.8)  # a lower population, to be followed
    values[np.flatnonzero(test)[300:306]] = 0.0  # and half an hour of silence
    config = DetectorConfig()
    fitted = fit_counts(times[train], values[train], config)
    offline = fitted.score(times[test], values[test], config)
    judged, level = times[test], fitted.prior_level(STEP, config)
    for t in range(judged.size):
        part = slice(max(t - config.context, 0), t + 1)
        last, level = fitted.judge_last(judged[part], values[test][part], config, level, STEP)
        assert last.z[0] == pytest.approx(offline.z[t], rel=1e-9, abs=1e-9)
        assert last.flagged[0] == offline.flagged[t]
        assert last.expected[0] == pytest.approx(offline.expected[t], rel=1e-12)
    assert offline.flagged[300:306].any()
    one = fitted.score(judged[:1], values[test][:1], config)  # no window size to age by
    assert one.z[0] == pytest.approx(offline.z[0])
    assert level.ratio == pytest.approx(0.8, abs=0.03)  # the prior 1.0 weighs 2^-7 by now


def test_a_conversion_drop_with_normal_traffic_is_found_and_traffic_alone_says_nothing():
    data = funnel(21, seed=4)
    train, test = _split(data.times)
    broken = Interval(TEST_START + 3 * DAY_S + 18 * 3600, TEST_START + 3 * DAY_S + 21 * 3600)
    purchases = data.purchases.copy()
    hit = inside(data.times, broken)
    purchases[hit] = np.random.default_rng(9).binomial(data.checkouts[hit].astype(int), 0.35)
    traffic = score_counts(
        data.times[train], data.checkouts[train], data.times[test], data.checkouts[test]
    )
    assert not traffic.flagged.any()
    scored = score_rate(
        data.times[train],
        purchases[train],
        data.checkouts[train],
        data.times[test],
        purchases[test],
        data.checkouts[test],
    )
    alerts = alerts_from("conversion checkout->purchase", scored, STEP)
    scores = detection_scores([Interval(a.start, a.end) for a in alerts], [broken])
    assert scores.recall == 1.0
    assert scores.false_alerts == 0
    assert all(a.direction == "down" for a in alerts)
    assert scores.median_delay <= 6 * STEP  # the six-window span is what sees it


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_incident_free_weeks_raise_at_most_one_false_alert_per_day(seed):
    times, values = counts(21, 30.0, seed=seed)
    train, test = _split(times)
    data = funnel(21, seed=seed)
    count_alerts = alerts_from(
        "events", score_counts(times[train], values[train], times[test], values[test]), STEP
    )
    rate_alerts = alerts_from(
        "conversion",
        score_rate(
            data.times[train],
            data.purchases[train],
            data.checkouts[train],
            data.times[test],
            data.purchases[test],
            data.checkouts[test],
        ),
        STEP,
    )
    days = (times[test][-1] - times[test][0] + STEP) / DAY_S
    assert (len(count_alerts) + len(rate_alerts)) / days <= 1.0


def test_alerts_merge_close_windows_and_split_on_direction():
    times = np.arange(10) * STEP
    flagged = np.array([0, 1, 1, 0, 1, 0, 0, 0, 1, 1], dtype=bool)
    z = np.array([0, 6, 7, 0, 8, 0, 0, 0, -9, -6], dtype=float)
    scored = Scored(times, np.ones(10), np.full(10, 3.0), z, flagged)
    alerts = alerts_from("s", scored, STEP, DetectorConfig(merge_gap=1))
    assert [(a.start, a.end, a.direction) for a in alerts] == [
        (1 * STEP, 5 * STEP, "up"),
        (8 * STEP, 10 * STEP, "down"),
    ]
    assert alerts[0].severity == 8.0


def test_isolation_forest_flags_bots_and_bursts_among_ordinary_users():
    rng = np.random.default_rng(0)
    humans = np.column_stack(
        [
            rng.poisson(30, 400),
            rng.lognormal(0.0, 0.3, 400),
            rng.normal(1.0, 0.15, 400),
            rng.lognormal(3.0, 0.4, 400),
            rng.lognormal(-0.5, 0.3, 400),
            rng.binomial(1, 0.2, 400),
            rng.poisson(2, 400) + 1,
        ]
    ).astype(float)
    odd = np.array([[400, 60.0, 0.05, 0.2, 0.0, 0, 300], [20, 1.0, 1.0, 20.0, 0.0, 12, 4]])
    users = np.array([f"u{i:04d}" for i in range(402)])
    table = FeatureTable(users, BEHAVIOUR_FEATURES, np.vstack([humans, odd]))
    detector = BehaviourDetector(contamination=0.02, trees=100).fit(table)
    flagged = detector.flag(table)
    assert flagged[-2:].all()
    assert flagged[:400].mean() < 0.03


def test_alerts_overlapping_in_time_are_one_incident() -> None:
    from eventtide.ml.anomaly import Alert, correlate

    def alert(series: str, start: float, end: float) -> Alert:
        return Alert(series, start, end, 1.0, 5.0, 6.0, "up")

    groups = correlate([alert("b", 5, 8), alert("a", 0, 6), alert("c", 20, 21)])
    assert [[a.series for a in g] for g in groups] == [["a", "b"], ["c"]]
    assert len(correlate([alert("a", 0, 6), alert("c", 7, 9)], gap_s=1.0)) == 1


def test_a_band_is_never_narrower_than_the_noise_model() -> None:
    assert robust_scale(np.zeros(100)) == (0.0, 1.0)


def test_count_z_follows_the_poisson_tail_not_the_normal_approximation() -> None:
    z = count_z(np.array([0.0, 10.0, 25.0, 0.0]), np.array([10.0, 10.0, 10.0, 0.0]))
    assert z[0] == pytest.approx(-4.08, abs=0.02)  # P(X = 0 | 10) is 4.5e-5, halved (mid-p)
    assert abs(z[1]) < 0.2
    assert z[2] > 3.5
    assert z[3] == pytest.approx(0.0, abs=1e-6)  # nothing expected, nothing seen


def test_a_rate_whose_later_step_outnumbers_the_earlier_one_still_scores() -> None:
    times = MONDAY + np.arange(48) * STEP
    checkouts = np.full(48, 10.0)
    purchases = np.full(48, 12.0)  # purchases that never passed a checkout (an import, an API)
    with np.errstate(invalid="raise"):
        scored = score_rate(times, purchases, checkouts, times, purchases, checkouts)
    assert np.isfinite(scored.z).all()
    assert not scored.flagged.any()


def test_a_sparse_conversion_is_judged_over_spans_that_gather_enough_checkouts() -> None:
    f = funnel(21, seed=3)
    thin = np.maximum(np.round(f.checkouts / 5.0), 0.0)  # about 2 checkouts a window
    bought = np.random.default_rng(4).binomial(thin.astype(int), 0.6).astype(float)
    train, test = f.times < TEST_START, f.times >= TEST_START
    broken = Interval(TEST_START + 2 * DAY_S + 17 * 3600, TEST_START + 2 * DAY_S + 23 * 3600)
    bought = np.where(inside(f.times, broken), 0.0, bought)  # checkout broken for six hours
    scored = score_rate(f.times[train], bought[train], thin[train],
                        f.times[test], bought[test], thin[test])  # fmt: skip
    alerts = alerts_from("conversion.checkout_started->purchase", scored, STEP)
    assert any(Interval(a.start, a.end).overlaps(broken) for a in alerts)
    assert all(a.direction == "down" for a in alerts)


def _thin_funnel(days: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hourly windows of about 3 checkouts, 70% of them paid: a small shop's night shift."""
    times = MONDAY + np.arange(days * 24) * 3600.0
    rng = np.random.default_rng(seed)
    checkouts = rng.poisson(3.0, times.size).astype(float)
    return times, checkouts, rng.binomial(checkouts.astype(int), 0.7).astype(float)


def test_purchase_bursts_in_training_move_neither_the_hourly_rate_nor_the_band() -> None:
    times, checkouts, purchases = _thin_funnel(14, seed=5)
    burst = (times - MONDAY) % DAY_S == 8 * 3600.0  # one fraud burst at 08:00 on two days
    purchases = purchases.copy()
    purchases[np.flatnonzero(burst)[[2, 9]]] += 10.0
    purchases[np.flatnonzero((times - MONDAY) % DAY_S == 15 * 3600.0)[[4, 11]]] += 10.0
    fitted = fit_rate(times, purchases, checkouts, DetectorConfig())
    assert fitted.profile.hourly[8] == pytest.approx(0.7, abs=0.12)  # pooled: above 1
    assert fitted.profile.hourly[15] == pytest.approx(0.7, abs=0.12)
    assert max(sigma for _, sigma in fitted.scales) < 1.2  # spans with bursts: no wider band
    later, checkouts_later, purchases_later = _thin_funnel(7, seed=6)
    scored = fitted.score(later + 14 * DAY_S, purchases_later, checkouts_later, DetectorConfig())
    assert not scored.flagged.any()  # an ordinary 08:00 is no drop


def test_a_conversion_is_judged_for_drops_only_at_the_one_sided_cut() -> None:
    assert one_sided_cut(4.5) == pytest.approx(4.35, abs=0.01)
    data = funnel(21, seed=4)
    train, test = _split(data.times)
    hours = Interval(TEST_START + 4 * DAY_S + 18 * 3600, TEST_START + 4 * DAY_S + 21 * 3600)
    hit = inside(data.times, hours)
    doubled, halved = data.purchases.copy(), data.purchases.copy()
    doubled[hit] = np.minimum(2 * doubled[hit], data.checkouts[hit])
    halved[hit] = np.round(halved[hit] / 2)

    def judged(purchases: np.ndarray) -> Scored:
        args = (data.times[train], purchases[train], data.checkouts[train])
        return score_rate(*args, data.times[test], purchases[test], data.checkouts[test])

    rise, drop = judged(doubled), judged(halved)
    assert (rise.z <= 0).all()  # a rise scores nothing
    assert not rise.flagged[hit[test]].any()
    assert drop.flagged[hit[test]].any()
    assert (drop.z[drop.flagged] <= -one_sided_cut(4.5)).all()


def test_a_conversion_sinking_over_days_is_found_days_earlier_with_the_day_span() -> None:
    """A step that loses 2.5% of its rate a day: the hourly bands hold it for days, the
    day's trials do not."""
    times = MONDAY + np.arange(28 * 24) * 3600.0
    trials = np.random.default_rng(7).poisson(60.0, times.size).astype(float)
    days = (times - times[0]) / DAY_S
    rate = np.where(days < 14, 0.7, 0.7 * (1.0 - 0.025 * (days - 14)))
    paid = np.random.default_rng(8).binomial(trials.astype(int), rate).astype(float)
    train, test = days < 14, days >= 14

    def first_flag(config: DetectorConfig, paid: np.ndarray) -> float:
        scored = score_rate(times[train], paid[train], trials[train], times[test], paid[test],
                            trials[test], config)  # fmt: skip
        flagged = np.flatnonzero(scored.flagged)
        return float(days[test][flagged[0]] - 14) if flagged.size else np.inf

    with_day, hourly = (
        first_flag(DetectorConfig(), paid),
        first_flag(DetectorConfig(rate_spans=(1, 2, 3, 6)), paid),
    )
    assert with_day < 4.0
    assert hourly > with_day + 1.0
    # a steady rate raises nothing at the day span
    steady = np.random.default_rng(9).binomial(trials.astype(int), 0.7).astype(float)
    assert first_flag(DetectorConfig(), steady) == np.inf


def test_the_unexplained_sum_leaves_out_what_flags_known_by_then_explain() -> None:
    """Brute force: at window t, drop window k when a span s flagged at some m with
    k <= m <= t and m - s < k."""
    rng = np.random.default_rng(3)
    size = 60
    values = rng.poisson(5.0, size).astype(float)
    flags = [(s, rng.random(size) < 0.08) for s in (1, 2, 3, 6)]
    masks = explained_masks(flags, size)
    for span in (1, 5, 24):
        brute = np.array([
            sum(values[k] for k in range(max(t - span + 1, 0), t + 1)
                if not any(f[m] for s, f in flags for m in range(k, min(k + s - 1, t) + 1)))
            for t in range(size)
        ])  # fmt: skip
        assert unexplained_sum(values, span, masks).tolist() == brute.tolist()
    nothing = explained_masks([(6, np.zeros(size, dtype=bool))], size)
    assert unexplained_sum(values, 24, nothing).tolist() == trailing_sum(values, 24).tolist()
    assert explained_masks([], size)[0].shape == (size,)


def test_the_day_span_does_not_echo_a_sharp_drop_the_hourly_spans_reported() -> None:
    """A conversion at a third for four hours: the quicker spans flag it while it lasts;
    the day span, summing those hours for a day after, would alarm again (checked on the
    plain day sum) and must not."""
    times = MONDAY + np.arange(28 * 24) * 3600.0
    trials = np.random.default_rng(5).poisson(40.0, times.size).astype(float)
    hours = (times - times[0]) / 3600.0
    broken = (hours >= 20 * 24 + 10) & (hours < 20 * 24 + 14)
    rate = np.where(broken, 0.7 / 3, 0.7)
    paid = np.random.default_rng(6).binomial(trials.astype(int), rate).astype(float)
    train, test = hours < 14 * 24, hours >= 14 * 24
    fitted = fit_rate(times[train], paid[train], trials[train], DetectorConfig())
    scored = fitted.score(times[test], paid[test], trials[test], DetectorConfig())
    judged_broken = broken[test]
    assert scored.flagged[judged_broken].all()
    after = np.flatnonzero(judged_broken)[-1] + 1
    day = slice(after + 5, after + 23)  # past the six-window span's tail, inside the day
    assert not scored.flagged[day].any()
    # the plain day sum does alarm in the hours after: the echo left out above
    expected = trials[test] * fitted.profile.expected(times[test])
    num, den, exp = (trailing_sum(x, 24) for x in (paid[test], trials[test], expected))
    median, sigma = fitted.scales[DetectorConfig().rate_spans.index(24)]
    plain = ((num - exp) / np.sqrt(den * (exp / den) * (1 - exp / den) + 1.0) - median) / sigma
    assert (plain[day] <= -one_sided_cut(4.5)).any()
    # a live score sees only the config's context before each window: the same z
    context = DetectorConfig().context
    for t in range(context, int(after) + 30):
        part = slice(t - context, t + 1)
        alone = fitted.score(times[test][part], paid[test][part], trials[test][part],
                             DetectorConfig())  # fmt: skip
        assert alone.z[-1] == pytest.approx(scored.z[t], abs=1e-9), t


def test_a_model_saved_before_rate_spans_scores_rates_on_its_spans() -> None:
    from eventtide.ml.anomaly_model import AnomalyModel

    document = {"window": "tumbling_1h", "window_s": 3600.0, "series": [],
                "config": {"threshold": 4.5, "min_volume": 5.0, "spans": [1, 2, 3, 6],
                           "merge_gap": 1}}  # fmt: skip
    model = AnomalyModel.from_json(document)
    assert model.config.rate_spans == (1, 2, 3, 6)
    assert model.config.level_half_life_days is None  # the trained level, as then
    tampered = {**document, "config": {**document["config"], "level_half_life_days": 0}}
    with pytest.raises(ValueError, match="level_half_life_days must be a positive number"):
        AnomalyModel.from_json(tampered)
    assert model.context == 5
    assert AnomalyModel.from_json(model.to_json()).config == model.config
    assert DetectorConfig().longest_span == 24
    # a day span's oldest window needs the six-window span's history too
    assert DetectorConfig().context == 23 + 5
