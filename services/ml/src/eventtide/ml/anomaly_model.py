"""The fitted metric detector as a value: what training registers and the scorer serves.

A live scorer needs the fitted parts kept: per series the seasonal profile and, per
trailing span, the median and robust sigma of the training scores
(``anomaly.FittedCounts``/``FittedRate``, the same objects ``score_counts`` and
``score_rate`` use). The model round-trips through plain JSON (profile fields are read
generically, so a profile that gains a field serialises unchanged).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from eventtide.ml.anomaly import (
    DetectorConfig,
    FittedCounts,
    FittedRate,
    Level,
    Scale,
    Scored,
    fit_counts,
    fit_rate,
)
from eventtide.ml.history import FloatArray
from eventtide.ml.seasonal import RateProfile, SeasonalProfile
from eventtide.ml.window_series import SeriesSpec, WindowTable

Profile = SeasonalProfile | RateProfile


@dataclass(frozen=True)
class FittedSeries:
    """One tracked series and its fitted baseline (``anomaly.FittedCounts``/``FittedRate``)."""

    spec: SeriesSpec
    fitted: FittedCounts | FittedRate

    @property
    def profile(self) -> Profile:
        """The seasonal profile (counts) or hourly rates (conversions)."""
        return self.fitted.profile

    @property
    def scales(self) -> tuple[Scale, ...]:
        """The (median, sigma) of each span's training scores."""
        return self.fitted.scales

    def score(
        self,
        times: FloatArray,
        numerator: FloatArray,
        denominator: FloatArray | None,
        config: DetectorConfig,
    ) -> Scored:
        """Judge contiguous windows; the first ``max(spans) - 1`` only give context."""
        if isinstance(self.fitted, FittedCounts):
            return self.fitted.score(times, numerator, config)
        if denominator is None:
            raise ValueError(f"series {self.spec.name} is a rate and needs its denominator")
        return self.fitted.score(times, numerator, denominator, config)

    def judge_last(
        self,
        times: FloatArray,
        numerator: FloatArray,
        denominator: FloatArray | None,
        config: DetectorConfig,
        level: Level | None,
        window_s: float,
    ) -> tuple[Scored, Level | None]:
        """The live step: the last window judged (the rest is context) and, for a count,
        its level after it, from ``level`` or the prior when None."""
        if isinstance(self.fitted, FittedCounts):
            level = level or self.fitted.prior_level(window_s, config)
            return self.fitted.judge_last(times, numerator, config, level, window_s)
        return self.score(times, numerator, denominator, config), None


def fit_series(
    spec: SeriesSpec,
    times: FloatArray,
    numerator: FloatArray,
    denominator: FloatArray | None,
    config: DetectorConfig,
    *,
    flat: bool = False,
) -> FittedSeries:
    """Fit one series on its training stretch (``flat``: the no-seasonality baseline)."""
    if spec.kind == "count":
        return FittedSeries(spec, fit_counts(times, numerator, config, flat=flat))
    if denominator is None:
        raise ValueError(f"series {spec.name} is a rate and needs its denominator")
    fitted = fit_rate(times, numerator, denominator, config, flat=flat, rises=spec.rises)
    return FittedSeries(spec, fitted)


@dataclass(frozen=True)
class AnomalyModel:
    """Every tracked series of one window size, fitted, with the detector's settings."""

    window: str
    """The processor's window kind the series come from (``tumbling_1h``...)."""
    window_s: float
    config: DetectorConfig
    series: tuple[FittedSeries, ...]

    @property
    def context(self) -> int:
        """Windows of history a live score needs besides the window judged."""
        return self.config.context

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (lists and numbers) for the registry's parameters and the artefact."""
        return {
            "window": self.window,
            "window_s": self.window_s,
            "config": {
                **dataclasses.asdict(self.config),
                "spans": list(self.config.spans),
                "rate_spans": list(self.config.rate_spans),
            },
            "series": [
                {
                    "spec": s.spec.to_json(),
                    "profile": _profile_json(s.profile),
                    "scales": [list(x) for x in s.scales],
                }
                for s in self.series
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnomalyModel:
        """Back from :meth:`to_json`; a malformed document raises ``ValueError``."""
        try:
            raw = dict(data["config"])
            spans = tuple(int(s) for s in raw["spans"])
            # models registered before rate spans of their own scored rates on ``spans``
            rate_spans = tuple(int(s) for s in raw.get("rate_spans", spans))
            # and before the adaptive level, judged counts against the trained one
            half_life = raw.get("level_half_life_days")
            config = DetectorConfig(**{**raw, "spans": spans, "rate_spans": rate_spans,
                                       "level_half_life_days": half_life})  # fmt: skip
            series = tuple(_series_from(s) for s in data["series"])
            return cls(str(data["window"]), float(data["window_s"]), config, series)
        except (KeyError, TypeError) as error:
            raise ValueError(f"not an anomaly model document: {error!r}") from error

    def table_scores(self, table: WindowTable) -> dict[str, Scored]:
        """Every series judged over a table's windows."""
        return {
            s.spec.name: s.score(table.times, *table.series(s.spec), self.config)
            for s in self.series
        }


def fit_model(
    window: str,
    train: WindowTable,
    specs: list[SeriesSpec],
    config: DetectorConfig,
    *,
    flat: bool = False,
) -> AnomalyModel:
    """Fit every spec on the training table (``flat``: the no-seasonality baseline)."""
    fitted = tuple(fit_series(s, train.times, *train.series(s), config, flat=flat) for s in specs)
    return AnomalyModel(window, train.window_s, config, fitted)


def _profile_json(profile: Profile) -> dict[str, Any]:
    fields = {
        f.name: (getattr(profile, f.name).tolist()
                 if isinstance(getattr(profile, f.name), np.ndarray)
                 else getattr(profile, f.name))
        for f in dataclasses.fields(profile)
    }  # fmt: skip
    return {"type": "rate" if isinstance(profile, RateProfile) else "seasonal", "fields": fields}


def _profile_from(data: dict[str, Any]) -> Profile:
    kind = RateProfile if data["type"] == "rate" else SeasonalProfile
    fields: dict[str, Any] = {k: np.asarray(v, dtype=float) if isinstance(v, list) else v
                              for k, v in data["fields"].items()}  # fmt: skip
    return kind(**fields)


def _series_from(data: dict[str, Any]) -> FittedSeries:
    spec = SeriesSpec.from_json(data["spec"])
    profile = _profile_from(data["profile"])
    scales = tuple((float(m), float(g)) for m, g in data["scales"])
    if isinstance(profile, RateProfile):
        return FittedSeries(spec, FittedRate(profile, scales, spec.rises))
    return FittedSeries(spec, FittedCounts(profile, scales))
