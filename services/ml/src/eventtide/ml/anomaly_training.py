"""``eventtide ml train anomaly``: fit the metric detector on stored series, judge, register.

The series come from the processor's final window results when the database has them
for the chosen window, otherwise from the stored events bucketed the same way. The
detector is fitted on the windows before the cut-off and judged on the held-out
windows after it by injection (``anomaly_eval``), next to the no-seasonality baseline
and the current production model on the very same injected copies; the promotion rule
is ``promotion.decide`` on the pooled F1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import numpy as np
from sqlalchemy import Connection, Engine

from eventtide.core.db.anomalies import (
    activity_events,
    event_span,
    final_window_totals,
    segment_events,
)
from eventtide.ml.anomaly import DetectorConfig
from eventtide.ml.anomaly_eval import (
    DEFAULT_INJECTIONS,
    AnomalyEvaluation,
    evaluate,
    place_injections,
)
from eventtide.ml.anomaly_model import AnomalyModel, fit_model
from eventtide.ml.candidate import register_decided
from eventtide.ml.history import DAY_S
from eventtide.ml.promotion import Decision, decide
from eventtide.ml.registry import Registered, load_estimator, production
from eventtide.ml.window_series import (
    MODEL_DIMENSIONS,
    SEGMENT_DIMENSIONS,
    SeriesSpec,
    WindowRow,
    WindowTable,
    bucket_events,
    bucket_segments,
    default_specs,
    table_from_rows,
)

ANOMALY_MODEL: Final = "anomaly"
WINDOWS: Final = {"tumbling_1m": 60.0, "tumbling_5m": 300.0, "tumbling_1h": 3_600.0}
"""The processor's tumbling windows the detector can be trained on (seconds)."""
MIN_TRAIN_DAYS: Final = 2.0
"""Every hour of the day seen at least twice; the weekly factor needs 7 days."""
MIN_HELD_OUT_DAYS: Final = 0.5
US: Final = 1_000_000
WINDOW_SOURCE: Final = "window_aggregates"
"""The processor's window results: the one source that counts dead letters."""


class NotEnoughDataError(ValueError):
    """Too little history before or after the cut-off to fit or to judge."""


@dataclass(frozen=True)
class AnomalyTrainResult:
    """What a training run registered, the figures that decided and the decision."""

    version: int
    source: str
    series: int
    ours: AnomalyEvaluation
    baseline: AnomalyEvaluation
    production: AnomalyEvaluation | None
    decision: Decision


def load_anomaly_model(registered: Registered) -> AnomalyModel:
    """A registered anomaly model from its skops artefact (digest and types checked)."""
    document = load_estimator(registered)
    if not isinstance(document, dict):
        raise ValueError(f"{registered.name} v{registered.version} is not an anomaly model")
    return AnomalyModel.from_json(document)


def read_table(
    conn: Connection, window: str, cutoff: datetime, held_out_days: float
) -> tuple[WindowTable, str]:
    """The series from the first stored data to ``held_out_days`` after the cut-off."""
    span = event_span(conn)
    window_s = WINDOWS[window]
    end = cutoff + timedelta(days=held_out_days)
    totals = final_window_totals(conn, window, 0, int(end.timestamp() * US), MODEL_DIMENSIONS)
    rows: list[WindowRow]
    if totals:
        rows = [(a / US, b, c, d, e, f, g) for a, b, c, d, e, f, g in totals]
        source = WINDOW_SOURCE
        first, last = min(r[0] for r in rows), max(r[0] for r in rows) + window_s
    elif span is not None:
        rows = bucket_events(activity_events(conn, span[0], end), window_s)
        rows += bucket_segments(segment_events(conn, span[0], end, SEGMENT_DIMENSIONS), window_s)
        source = "user_events"
        # the last window may still be filling: stop before it
        first, last = span[0].timestamp(), np.floor(span[1].timestamp() / window_s) * window_s
    else:
        raise NotEnoughDataError("no stored events and no window results to train on")
    return table_from_rows(rows, window_s, first, min(last, end.timestamp())), source


def train_anomaly(
    engine: Engine,
    cutoff: datetime,
    *,
    window: str = "tumbling_1h",
    held_out_days: float = 7.0,
    config: DetectorConfig | None = None,
) -> AnomalyTrainResult:
    """Fit, judge against the baseline and production on the same copies, register."""
    config = config or DetectorConfig()
    if window not in WINDOWS:
        raise ValueError(f"window {window!r} is not one of {', '.join(WINDOWS)}")
    with engine.connect() as conn:
        table, source = read_table(conn, window, cutoff, held_out_days)
        current = production(conn, ANOMALY_MODEL)
    train = table.between(-np.inf, cutoff.timestamp())
    held = table.between(cutoff.timestamp(), np.inf)
    _check(train, held, cutoff, source)
    specs = watched_series(train, source, config)
    model = fit_model(window, train, specs, config)
    placed = place_injections(model, held)
    if not placed:
        raise NotEnoughDataError(
            f"no held-out stretch of {len(held.times)} windows reaches the minimum volume of "
            f"{config.min_volume:g} per window: nothing can be judged"
        )
    ours = evaluate(model, held, placed)
    # the analyst's flat median/MAD is static: no hour profile, no trend, no level
    static = replace(config, level_half_life_days=None)
    baseline = evaluate(fit_model(window, train, specs, static, flat=True), held, placed)
    prod_eval, decision = _against_production(current, window, ours, baseline, held, placed)
    parameters: dict[str, Any] = {
        **model.to_json(),
        "series_names": [s.name for s in specs],
        "source": source,
        "cutoff": cutoff.isoformat(),
        "injections": [vars(i) for i in DEFAULT_INJECTIONS],
    }
    metrics = {
        **ours.to_json(),
        "baseline": baseline.to_json(),
        "production": None if prod_eval is None else prod_eval.to_json(),
        "production_version": None if current is None else current.version,
        "decision": decision.reason,
    }
    with engine.begin() as conn:
        version = register_decided(
            conn,
            name=ANOMALY_MODEL,
            artefact=model.to_json(),
            decision=decision,
            parameters=parameters,
            metrics=metrics,
            data_start=datetime.fromtimestamp(float(table.times[0]), UTC),
            data_end=datetime.fromtimestamp(float(table.times[-1]) + table.window_s, UTC),
        )
    return AnomalyTrainResult(version, source, len(specs), ours, baseline, prod_eval, decision)


def watched_series(train: WindowTable, source: str, config: DetectorConfig) -> list[SeriesSpec]:
    """The series a model of ``train`` watches. The dead letters' share only from the
    processor's windows: a healthy stream has none, so their absence says nothing, and
    stored events hold no count of them."""
    return default_specs(
        train, config.min_volume, max(config.rate_spans), dead_letters=source == WINDOW_SOURCE
    )


def _check(train: WindowTable, held: WindowTable, cutoff: datetime, source: str) -> None:
    train_days = train.times.size * train.window_s / DAY_S
    held_days = held.times.size * held.window_s / DAY_S
    if train_days < MIN_TRAIN_DAYS:
        raise NotEnoughDataError(
            f"{train_days:.2f} days of {source} before the cut-off {cutoff.date()}; "
            f"the seasonal profile needs at least {MIN_TRAIN_DAYS:g}"
        )
    if held_days < MIN_HELD_OUT_DAYS:
        raise NotEnoughDataError(
            f"{held_days:.2f} days of {source} after the cut-off {cutoff.date()}; "
            f"judging needs at least {MIN_HELD_OUT_DAYS:g}"
        )


def _against_production(
    current: Registered | None,
    window: str,
    ours: AnomalyEvaluation,
    baseline: AnomalyEvaluation,
    held: WindowTable,
    placed: list[Any],
) -> tuple[AnomalyEvaluation | None, Decision]:
    """The production model on the same copies, and the promotion decision."""
    if current is None:
        return None, decide(ours.overall.f1, None, baseline.overall.f1)
    served = load_anomaly_model(current)
    if served.window != window:
        return None, Decision(
            False,
            f"production v{current.version} judges {served.window}, not {window}: "
            "not comparable on the same data",
            ours.overall.f1,
            None,
        )
    evaluation = evaluate(served, held, placed)
    return evaluation, decide(ours.overall.f1, evaluation.overall.f1, baseline.overall.f1)
