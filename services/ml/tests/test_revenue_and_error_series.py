"""Revenue and error-share series: tracked by default, judged in their own terms.

Revenue is a sum of order values, so it is judged in units of the training mean order
value; an error share (errors over all events) is judged for rises with traffic held
equal. Plain synthetic five-minute windows, no infrastructure.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from synthetic import MONDAY, STEP, counts
from test_detector_state import US, records, run_live

from eventtide.ml.anomaly import DetectorConfig, alerts_from
from eventtide.ml.anomaly_eval import evaluate, place_injections
from eventtide.ml.anomaly_model import AnomalyModel, fit_model
from eventtide.ml.detector_state import Incident, alert_row
from eventtide.ml.history import DAY_S
from eventtide.ml.window_series import SeriesSpec, WindowTable, column, default_specs

pytestmark = pytest.mark.unit

CUT = MONDAY + 14 * DAY_S
EVENTS = column("all", "*", "count")
ORDERS = column("all", "*", "orders")
REVENUE = column("all", "*", "revenue_cents")
ERRORS = column("event_type", "checkout_error", "count")
ORDER_VALUE_CENTS = 4_000.0
ERROR_SHARE = 0.2
INCIDENT = slice(600, 606)  # half an hour of the judged week


def shop(seed: int = 5, days: int = 21, error_share: float = ERROR_SHARE) -> WindowTable:
    """Events, a share of them errors, and orders whose values are gamma (CV 0.5)."""
    times, events = counts(days, 40.0, seed)
    _, orders = counts(days, 12.0, seed + 1)
    rng = np.random.default_rng(seed + 2)
    errors = rng.binomial(events.astype(int), error_share).astype(float)
    revenue = np.array([rng.gamma(4.0, ORDER_VALUE_CENTS / 4.0, int(n)).sum() for n in orders])
    columns = {EVENTS: events, ERRORS: errors, ORDERS: orders, REVENUE: revenue}
    return WindowTable(STEP, times, columns)


@pytest.fixture(scope="module")
def fitted() -> tuple[AnomalyModel, WindowTable]:
    table = shop()
    train, held = table.between(-np.inf, CUT), table.between(CUT, np.inf)
    config = DetectorConfig()
    specs = default_specs(train, config.min_volume, config.longest_span)
    return fit_model("tumbling_5m", train, specs, config), held


def changed(held: WindowTable, **factors: float) -> WindowTable:
    """A copy with the named columns multiplied over the incident's windows."""
    names = {"events": EVENTS, "errors": ERRORS, "orders": ORDERS, "revenue": REVENUE}
    columns = {k: v.copy() for k, v in held.columns.items()}
    for key, factor in factors.items():
        columns[names[key]][INCIDENT] = np.round(columns[names[key]][INCIDENT] * factor)
    return WindowTable(held.window_s, held.times, columns)


def alerts(model: AnomalyModel, table: WindowTable, series: str) -> list[tuple[float, str]]:
    fitted = next(s for s in model.series if s.spec.name == series)
    scored = fitted.score(table.times, *table.series(fitted.spec), model.config)
    return [(a.start, a.direction) for a in alerts_from(series, scored, STEP, model.config)]


def in_incident(found: list[tuple[float, str]], held: WindowTable, direction: str) -> bool:
    start, end = held.times[INCIDENT.start], held.times[INCIDENT.stop] + 6 * STEP
    return any(start <= at < end and d == direction for at, d in found)


def test_revenue_and_error_shares_are_tracked_with_their_units(
    fitted: tuple[AnomalyModel, WindowTable],
) -> None:
    model, _ = fitted
    specs = {s.spec.name: s.spec for s in model.series}
    assert specs["revenue"].scale == pytest.approx(ORDER_VALUE_CENTS, rel=0.02)
    share = specs["error_share.checkout_error"]
    assert (share.kind, share.rises, share.denominator) == ("rate", True, EVENTS)
    assert not any(s.rises for s in specs.values() if s.name.startswith("conversion."))
    # no order in training: no revenue series; a type that is no error: no share
    quiet = WindowTable(STEP, np.arange(3.0) * STEP, {EVENTS: np.full(3, 50.0),
                        column("event_type", "page_view", "count"): np.full(3, 50.0)})  # fmt: skip
    names = [s.name for s in default_specs(quiet, 5.0, 24)]
    assert "revenue" not in names
    assert not any(n.startswith("error_share.") for n in names)


def test_a_spec_round_trips_and_an_older_one_reads_as_before() -> None:
    spec = SeriesSpec("revenue", "count", REVENUE, scale=4_100.0)
    assert SeriesSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
    older = {"name": "conversion.a.b", "kind": "rate", "numerator": "b", "denominator": "a"}
    assert SeriesSpec.from_json(older) == SeriesSpec("conversion.a.b", "rate", "b", "a")
    with pytest.raises(ValueError, match="must be positive"):
        SeriesSpec.from_json({**spec.to_json(), "scale": 0.0})


def test_revenue_falling_with_orders_unchanged_is_found_on_revenue_alone(
    fitted: tuple[AnomalyModel, WindowTable],
) -> None:
    model, held = fitted
    price_bug = changed(held, revenue=0.2)  # every order charged a fifth
    assert in_incident(alerts(model, price_bug, "revenue"), held, "down")
    assert not in_incident(alerts(model, price_bug, "orders"), held, "down")
    assert not in_incident(alerts(model, held, "revenue"), held, "down")  # untouched


def test_error_share_rises_alarm_and_errors_rising_with_traffic_do_not(
    fitted: tuple[AnomalyModel, WindowTable],
) -> None:
    model, held = fitted
    series = "error_share.checkout_error"
    assert in_incident(alerts(model, changed(held, errors=2.0), series), held, "up")
    surge = changed(held, events=2.0, errors=2.0)  # more traffic, the same share
    assert not in_incident(alerts(model, surge, series), held, "up")
    assert in_incident(alerts(model, surge, "events"), held, "up")
    # judged for rises only: errors vanishing is no incident of this series
    assert alerts(model, changed(held, errors=0.0), series) == []


def test_injected_error_rises_are_found_and_revenue_injections_stay_fractional(
    fitted: tuple[AnomalyModel, WindowTable],
) -> None:
    model, held = fitted
    placed = place_injections(model, held)
    kinds = {(p.series, p.injection.kind) for p in placed}
    assert ("error_share.checkout_error", "error_rise") in kinds
    assert ("error_share.checkout_error", "conversion_drop") not in kinds
    revenue = next(p for p in placed if p.series == "revenue" and p.injection.kind == "spike")
    assert not np.allclose(revenue.numerator, np.round(revenue.numerator))
    scores = evaluate(model, held, placed)
    assert scores.by_kind["error_rise"].recall == 1.0


def test_a_revenue_alert_reports_cents() -> None:
    spec = SeriesSpec("revenue", "count", REVENUE, scale=4_000.0)
    model = AnomalyModel("tumbling_5m", STEP, DetectorConfig(), ())
    incident = Incident(0, 600, 300, "down", 6.0, expected=20.0, observed=4.0, windows=2)
    evidence = alert_row(spec, incident, model, version=1)["evidence"]
    assert (evidence["expected"], evidence["observed"]) == (40_000.0, 8_000.0)


def test_rare_errors_keep_their_false_alerts_rare() -> None:
    """Under half an error a window: the Poisson tail, not the binomial's normal
    approximation, whose upper tail is too thin there (4 false alerts on these ten
    untouched weeks against 1)."""
    false_alerts = 0
    for seed in range(10):
        table = shop(seed, error_share=0.01)
        train, held = table.between(-np.inf, CUT), table.between(CUT, np.inf)
        config = DetectorConfig()
        model = fit_model("tumbling_5m", train, default_specs(train, 5.0, 24), config)
        false_alerts += len(alerts(model, held, "error_share.checkout_error"))
    assert false_alerts <= 1


def test_the_live_detector_judges_revenue_and_error_shares_as_the_batch_does(
    fitted: tuple[AnomalyModel, WindowTable],
) -> None:
    """Partials of two processor partitions, replayed finals, restarts: the same alerts
    as the batch verdict over three judged days, the revenue's evidence in cents."""
    model, held = fitted
    days = held.between(-np.inf, held.times[0] + 3 * DAY_S)
    faulty = changed(days, errors=3.0, revenue=0.2)
    _, latest, _ = run_live(model, records(faulty), batch=400, restart_every=2)
    live = {(r["evidence"]["series"], r["evidence"]["start"] / US, r["evidence"]["direction"])
            for r in latest.values()}  # fmt: skip
    batch = set()
    for series in model.series:
        scored = series.score(faulty.times, *faulty.series(series.spec), model.config)
        for alert in alerts_from(series.spec.name, scored, STEP, model.config):
            if alert.end <= faulty.times[-2] + STEP:  # the last window waits to settle
                batch.add((series.spec.name, alert.start, alert.direction))
    assert live == batch
    assert ("error_share.checkout_error", "up") in {(s, d) for s, _, d in live}
    revenue = next(r for r in latest.values() if r["evidence"]["series"] == "revenue")
    evidence = revenue["evidence"]
    assert evidence["expected"] > 5 * ORDER_VALUE_CENTS  # cents (about 12 orders' worth)
    assert evidence["observed"] < 0.5 * evidence["expected"]
