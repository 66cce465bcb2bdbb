"""Judging a metric detector without labels: inject incidents of stated sizes, find them.

Held-out windows carry no ground truth, so known incidents are written into copies of
them: a spike (the count times 1 + size), a drop (times 1 - size), for funnel
steps a conversion drop (the later step's count times 1 - size while the earlier
step's traffic is unchanged: a broken payment page) and for error shares an error
rise (the errors times 1 + size, traffic unchanged: a failing release). Each kind goes
into its own copy of each series, at fixed places spread over the stretch where the
volume is at least the detector's minimum (an incident in a quiet night is unjudgeable
by design; for an error rise the volume is the errors themselves). The
places depend on the data alone, so two models are judged on exactly the same copies.
Alerts on a copy are true when they overlap an injected incident; false alerts per day
are counted separately on the untouched stretch (an upper bound: real incidents in it
count against the model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np

from eventtide.ml.anomaly import alerts_from
from eventtide.ml.anomaly_model import AnomalyModel, FittedSeries
from eventtide.ml.evaluate import DetectionScores, Interval, detection_scores
from eventtide.ml.history import DAY_S, FloatArray
from eventtide.ml.window_series import SeriesSpec, WindowTable

InjectionKind = Literal["spike", "drop", "conversion_drop", "error_rise", "share_burst"]


@dataclass(frozen=True)
class Injection:
    """One kind of incident: relative size and length in windows."""

    kind: InjectionKind
    size: float
    windows: int


DEFAULT_INJECTIONS: Final = (
    Injection("spike", 1.0, 2),
    Injection("drop", 0.6, 3),
    Injection("conversion_drop", 0.5, 6),
    Injection("error_rise", 2.0, 3),
    Injection("share_burst", 0.05, 2),
)
"""+100% for 2 windows, -60% for 3, a halved conversion for 6, three times the errors
for 3 (traffic unchanged), and 5% of the events refused or failing for 2 on top of
whatever was (a broken client release: the one incident of a share that is mostly
zero, as dead letters are)."""


def _applies(injection: Injection, spec: SeriesSpec) -> bool:
    """Spikes and drops go into counts, a conversion drop into a conversion, an error
    rise and a burst into a share judged for rises."""
    if spec.kind == "count":
        return injection.kind in ("spike", "drop")
    if spec.rises:
        return injection.kind in ("error_rise", "share_burst")
    return injection.kind == "conversion_drop"


@dataclass(frozen=True)
class Placed:
    """Injected copies of one series for one kind: where, and the changed arrays."""

    series: str
    injection: Injection
    starts: tuple[int, ...]
    numerator: FloatArray
    denominator: FloatArray | None


@dataclass(frozen=True)
class AnomalyEvaluation:
    """Pooled scores over every injected copy, per kind, and the untouched stretch."""

    overall: DetectionScores
    by_kind: dict[str, DetectionScores]
    false_alerts_per_day: float
    untouched_alerts: int
    days: float
    window_s: float
    by_series: dict[str, DetectionScores] = field(default_factory=dict)

    @property
    def median_delay_windows(self) -> float:
        """Median detection delay in windows."""
        return self.overall.median_delay / self.window_s

    def to_json(self) -> dict[str, object]:
        """Figures for the registry's metrics."""
        return {
            "f1": self.overall.f1,
            "precision": self.overall.precision,
            "recall": self.overall.recall,
            "incidents": self.overall.incidents,
            "median_delay_windows": _finite(self.median_delay_windows),
            "false_alerts_per_day": self.false_alerts_per_day,
            "held_out_days": self.days,
            "by_kind": {k: {"f1": v.f1, "recall": v.recall, "precision": v.precision,
                            "incidents": v.incidents} for k, v in self.by_kind.items()},
        }  # fmt: skip


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None


def place_injections(
    model: AnomalyModel,
    held_out: WindowTable,
    injections: tuple[Injection, ...] = DEFAULT_INJECTIONS,
    per_series: int = 3,
) -> list[Placed]:
    """Copies of the candidate's series with incidents written in (data-driven places)."""
    placed: list[Placed] = []
    lead = model.context + 1
    for fitted in model.series:
        num, den = held_out.series(fitted.spec)
        for injection in injections:
            if not _applies(injection, fitted.spec):
                continue
            burst = injection.kind == "share_burst"
            if burst and den is not None:
                # placed where the burst itself reaches the volume a share needs
                volume = np.round(den * injection.size)
            elif den is not None and injection.kind != "error_rise":
                volume = den
            else:
                # errors tripled where there were none are no incident: place by the errors
                volume = num
            starts = _starts(volume, injection.windows, lead, model.config.min_volume, per_series)
            if not starts:
                continue
            rise = injection.kind in ("spike", "error_rise")
            factor = 1.0 + injection.size if rise else 1.0 - injection.size
            changed = num.astype(float).copy()
            for start in starts:
                span = slice(start, start + injection.windows)
                if burst:
                    changed[span] += volume[span]
                    continue
                scaled = changed[span] * factor
                # counts stay whole; revenue, judged in order values, is not a count
                changed[span] = np.round(scaled) if fitted.spec.scale == 1.0 else scaled
            placed.append(Placed(fitted.spec.name, injection, tuple(starts), changed, den))
    return placed


def _starts(
    volume: FloatArray, length: int, lead: int, min_volume: float, wanted: int
) -> list[int]:
    """Up to ``wanted`` incident starts, evenly spread, each far from the next."""
    step = length + 2 * lead
    candidates = [
        s for s in range(lead, volume.size - length - lead, step)
        if float(volume[s : s + length].min()) >= min_volume
    ]  # fmt: skip
    if len(candidates) <= wanted:
        return candidates
    picks = np.linspace(0, len(candidates) - 1, wanted).round().astype(int)
    return [candidates[i] for i in picks]


def evaluate(model: AnomalyModel, held_out: WindowTable, placed: list[Placed]) -> AnomalyEvaluation:
    """Score ``model`` on the injected copies and the untouched stretch.

    A series of the copies that ``model`` does not track counts as missed.
    """
    by_name = {s.spec.name: s for s in model.series}
    times, step = held_out.times, held_out.window_s
    scores: list[tuple[Placed, DetectionScores]] = []
    for copy in placed:
        truth = [
            Interval(float(times[s]), float(times[s] + copy.injection.windows * step))
            for s in copy.starts
        ]
        fitted = by_name.get(copy.series)
        found = [] if fitted is None else _alerts(fitted, model, times, copy.numerator,
                                                 copy.denominator, step)  # fmt: skip
        scores.append((copy, detection_scores(found, truth)))
    untouched = sum(
        len(_alerts(s, model, times, *held_out.series(s.spec), step)) for s in model.series
    )
    days = times.size * step / DAY_S
    return AnomalyEvaluation(
        overall=pool([d for _, d in scores]),
        by_kind={
            kind: pool([d for c, d in scores if c.injection.kind == kind])
            for kind in sorted({c.injection.kind for c, _ in scores})
        },
        false_alerts_per_day=untouched / days if days > 0 else float("nan"),
        untouched_alerts=untouched,
        days=days,
        window_s=step,
        by_series={
            name: pool([d for c, d in scores if c.series == name])
            for name in sorted({c.series for c, _ in scores})
        },
    )


def pool(parts: list[DetectionScores]) -> DetectionScores:
    """Scores of several copies taken together (alerts of one copy never match another's)."""
    true_alerts = sum(p.true_alerts for p in parts)
    false_alerts = sum(p.false_alerts for p in parts)
    detected, incidents = sum(p.detected for p in parts), sum(p.incidents for p in parts)
    alerts = true_alerts + false_alerts
    precision = true_alerts / alerts if alerts else 1.0
    recall = detected / incidents if incidents else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return DetectionScores(
        precision=precision,
        recall=recall,
        f1=f1,
        true_alerts=true_alerts,
        false_alerts=false_alerts,
        detected=detected,
        incidents=incidents,
        delays=tuple(d for p in parts for d in p.delays),
    )


def _alerts(
    fitted: FittedSeries,
    model: AnomalyModel,
    times: FloatArray,
    numerator: FloatArray,
    denominator: FloatArray | None,
    step: float,
) -> list[Interval]:
    scored = fitted.score(times, numerator, denominator, model.config)
    return [
        Interval(a.start, a.end) for a in alerts_from(fitted.spec.name, scored, step, model.config)
    ]
