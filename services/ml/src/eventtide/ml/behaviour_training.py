"""``eventtide ml train behaviour``: fit the behaviour model on stored events, judge, register.

User-windows wholly before the cut-off train the forest and set its threshold (and,
under a window longer than an hour, the short model of the same users' hours); the
held-out user-windows after it are judged by injection (``behaviour_eval``: the
database holds no labels), next to the events-per-minute baseline and the current
production model on the very same rows; ``promotion.decide`` on F1 decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import numpy as np
from sqlalchemy import Engine

from eventtide.ml.anomaly import ROBUST_K
from eventtide.ml.behaviour_eval import (
    DEFAULT_BEHAVIOUR_INJECTIONS,
    BehaviourJudgement,
    InjectedSet,
    inject,
    judge,
)
from eventtide.ml.behaviour_model import (
    BEHAVIOUR_MODEL,
    BEHAVIOUR_WINDOWS,
    BehaviourModel,
    fit_behaviour,
    fit_rate_baseline,
    window_features,
    with_short,
)
from eventtide.ml.candidate import register_decided
from eventtide.ml.promotion import Decision, decide
from eventtide.ml.registry import Registered, load_estimator, production
from eventtide.ml.training import read_events

MIN_TRAIN_ROWS: Final = 50
"""User-windows the forest and the robust cut need at the least."""
MIN_HELD_ROWS: Final = 20


class NotEnoughBehaviourError(ValueError):
    """Too few user-windows before or after the cut-off to fit or to judge."""


@dataclass(frozen=True)
class BehaviourTrainResult:
    """What a training run registered, the figures that decided and the decision."""

    version: int
    trained_rows: int
    threshold: float
    ours: BehaviourJudgement
    baseline: BehaviourJudgement
    production: BehaviourJudgement | None
    decision: Decision
    short: BehaviourJudgement | None = None
    """The short (hourly) model alone on copies of held-out hours, when there is one."""


def load_behaviour_model(registered: Registered) -> BehaviourModel:
    """A registered behaviour model from its skops artefact (digest and types checked)."""
    try:
        return BehaviourModel.from_artefact(load_estimator(registered))
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{registered.name} v{registered.version}: {error}") from error


def train_behaviour(
    engine: Engine,
    cutoff: datetime,
    *,
    window: str = "tumbling_1d",
    held_out_days: float = 7.0,
    robust_k: float = ROBUST_K,
) -> BehaviourTrainResult:
    """Fit, judge against the baseline and production on the same copies, register."""
    if window not in BEHAVIOUR_WINDOWS:
        raise ValueError(f"window {window!r} is not one of {', '.join(BEHAVIOUR_WINDOWS)}")
    window_s = BEHAVIOUR_WINDOWS[window]
    end = cutoff + timedelta(days=held_out_days)
    with engine.connect() as conn:
        log = read_events(conn, end)
        current = production(conn, BEHAVIOUR_MODEL)
    if len(log) == 0:
        raise NotEnoughBehaviourError("no stored events to train on")
    # the last window may still be filling: judge only windows that have ended
    last_whole = np.floor(float(log.time.max()) / window_s) * window_s
    train = window_features(log.before(cutoff.timestamp()), window_s)
    held = log.between(cutoff.timestamp(), min(end.timestamp(), last_whole))
    held_rows = len(window_features(held, window_s)) if len(held) else 0
    if len(train) < MIN_TRAIN_ROWS:
        raise NotEnoughBehaviourError(
            f"{len(train)} user-windows of {window} before the cut-off {cutoff.date()}; "
            f"fitting needs at least {MIN_TRAIN_ROWS}"
        )
    if held_rows < MIN_HELD_ROWS:
        raise NotEnoughBehaviourError(
            f"{held_rows} whole user-windows of {window} in the {held_out_days:g} days after "
            f"the cut-off {cutoff.date()}; judging needs at least {MIN_HELD_ROWS}"
        )
    model = with_short(
        fit_behaviour(train.table, window_s, robust_k=robust_k),
        log.before(cutoff.timestamp()), robust_k=robust_k,
    )  # fmt: skip
    short_judged: BehaviourJudgement | None = None
    if model.short is not None:
        # the short model alone on copies of held-out hours (promotion looks at the
        # window's model: the short one only adds the hour's bursts)
        short = model.short
        short_judged = judge(short.score, short.threshold, inject(held, short.window_s))
    baseline_model = fit_rate_baseline(train.table, robust_k)
    rows = inject(held, window_s)
    ours = judge(model.score, model.threshold, rows)
    baseline = judge(baseline_model.score, baseline_model.threshold, rows)
    prod_eval, decision = _against_production(current, model, ours, baseline, rows)
    parameters: dict[str, Any] = {
        "window": window,
        "window_s": window_s,
        "threshold": model.threshold,
        "robust_k": robust_k,
        "median": model.median,
        "sigma": model.sigma,
        "trained_rows": model.trained_rows,
        "cutoff": cutoff.isoformat(),
        "held_out_days": held_out_days,
        "injections": [vars(i) for i in DEFAULT_BEHAVIOUR_INJECTIONS],
        "baseline": {"median": baseline_model.median, "sigma": baseline_model.sigma},
        "short": None
        if model.short is None
        else {
            "window_s": model.short.window_s,
            "threshold": model.short.threshold,
            "median": model.short.median,
            "sigma": model.short.sigma,
            "trained_rows": model.short.trained_rows,
        },
    }
    metrics = {
        **ours.to_json(),
        "baseline": baseline.to_json(),
        "production": None if prod_eval is None else prod_eval.to_json(),
        "production_version": None if current is None else current.version,
        "decision": decision.reason,
        "short": None if short_judged is None else short_judged.to_json(),
    }
    with engine.begin() as conn:
        version = register_decided(
            conn,
            name=BEHAVIOUR_MODEL,
            artefact=model.to_artefact(),
            decision=decision,
            parameters=parameters,
            metrics=metrics,
            data_start=datetime.fromtimestamp(float(log.time.min()), UTC),
            data_end=end,
        )
    return BehaviourTrainResult(
        version, model.trained_rows, model.threshold, ours, baseline, prod_eval, decision,
        short_judged,
    )  # fmt: skip


def _against_production(
    current: Registered | None,
    model: BehaviourModel,
    ours: BehaviourJudgement,
    baseline: BehaviourJudgement,
    rows: InjectedSet,
) -> tuple[BehaviourJudgement | None, Decision]:
    """The production model on the same rows at its own threshold, and the decision."""
    if current is None:
        return None, decide(ours.overall.f1, None, baseline.overall.f1)
    served = load_behaviour_model(current)
    if served.window_s != model.window_s:
        return None, Decision(
            False,
            f"production v{current.version} judges {served.window_s:g} s windows, not "
            f"{model.window_s:g} s: not comparable on the same data",
            ours.overall.f1,
            None,
        )
    evaluation = judge(served.score, served.threshold, rows)
    return evaluation, decide(ours.overall.f1, evaluation.overall.f1, baseline.overall.f1)
