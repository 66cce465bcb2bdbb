"""The fitted metric detector as a value: what training registers and the scorer serves.

``anomaly.score_counts``/``score_rate`` fit and judge in one call, which suits an
offline evaluation; a live scorer instead needs the fitted parts kept: per series the
seasonal profile (``seasonal.fit_profile``/``fit_rate_profile``) and, per trailing
span, the median and robust sigma of the training scores. Scoring with them gives the
same z and flags as the one-call functions (tested), and the model round-trips through
plain JSON (profile fields are read generically, so a profile that gains a field
serialises unchanged).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from eventtide.ml.anomaly import DetectorConfig, Scored, robust_scale, trailing_sum
from eventtide.ml.history import FloatArray
from eventtide.ml.seasonal import RateProfile, SeasonalProfile, fit_profile, fit_rate_profile
from eventtide.ml.window_series import SeriesSpec, WindowTable

Profile = SeasonalProfile | RateProfile


def count_z(observed: FloatArray, expected: FloatArray) -> FloatArray:
    """Deviation of a count in Poisson-like units (as ``anomaly.score_counts``)."""
    z: FloatArray = (observed - expected) / np.sqrt(expected + 1.0)
    return z


def rate_z(numerator: FloatArray, denominator: FloatArray, rate: FloatArray) -> FloatArray:
    """Binomial deviation of a conversion (as ``anomaly.score_rate``)."""
    variance = np.maximum(denominator * rate * (1.0 - rate), 0.0)
    z: FloatArray = (numerator - denominator * rate) / np.sqrt(variance + 1.0)
    return z


def _span_rate(expected: FloatArray, denominator: FloatArray) -> FloatArray:
    out: FloatArray = np.divide(
        expected, denominator, out=np.zeros_like(expected), where=denominator > 0
    )
    return out


@dataclass(frozen=True)
class FittedSeries:
    """One series' profile and its robust (median, sigma) per trailing span."""

    spec: SeriesSpec
    profile: Profile
    scales: tuple[tuple[float, float], ...]

    def score(
        self,
        times: FloatArray,
        numerator: FloatArray,
        denominator: FloatArray | None,
        config: DetectorConfig,
    ) -> Scored:
        """Judge contiguous windows; the first ``max(spans) - 1`` only give context."""
        if self.spec.kind == "count":
            return self._score_counts(times, numerator, config)
        if denominator is None:
            raise ValueError(f"series {self.spec.name} is a rate and needs its denominator")
        return self._score_rate(times, numerator, denominator, config)

    def _score_counts(
        self, times: FloatArray, values: FloatArray, config: DetectorConfig
    ) -> Scored:
        expected = self.profile.expected(times)
        best, flagged = np.zeros(times.size), np.zeros(times.size, dtype=bool)
        for span, (median, sigma) in zip(config.spans, self.scales, strict=True):
            exp_sum = trailing_sum(expected, span)
            z = (count_z(trailing_sum(values, span), exp_sum) - median) / sigma
            z = np.where(exp_sum >= config.min_volume * span, z, 0.0)
            best = np.where(np.abs(z) > np.abs(best), z, best)
            flagged |= np.abs(z) >= config.threshold
        return Scored(times, expected, values.astype(float), best, flagged)

    def _score_rate(
        self, times: FloatArray, num: FloatArray, den: FloatArray, config: DetectorConfig
    ) -> Scored:
        rate = self.profile.expected(times)
        best, flagged = np.zeros(times.size), np.zeros(times.size, dtype=bool)
        for span, (median, sigma) in zip(config.spans, self.scales, strict=True):
            den_sum = trailing_sum(den, span)
            span_rate = _span_rate(trailing_sum(den * rate, span), den_sum)
            z = (rate_z(trailing_sum(num, span), den_sum, span_rate) - median) / sigma
            z = np.where(den_sum >= config.min_volume * span, z, 0.0)
            best = np.where(np.abs(z) > np.abs(best), z, best)
            flagged |= np.abs(z) >= config.threshold
        observed = np.divide(num, den, out=np.full(times.size, np.nan), where=den > 0)
        return Scored(times, rate, observed, best, flagged)


def fit_series(
    spec: SeriesSpec,
    times: FloatArray,
    numerator: FloatArray,
    denominator: FloatArray | None,
    config: DetectorConfig,
    *,
    flat: bool = False,
) -> FittedSeries:
    """Fit one series on its training stretch, as ``score_counts``/``score_rate`` do.

    ``flat`` drops the seasonality (the level or overall rate only, every hour alike):
    the static median/MAD detector a careful analyst would try first, kept as the
    baseline the seasonal model must beat.
    """
    scales: list[tuple[float, float]] = []
    if spec.kind == "count":
        profile: Profile = fit_profile(times, numerator)
        if flat:
            profile = _flatten(profile)
        expected = profile.expected(times)
        for span in config.spans:
            base = count_z(trailing_sum(numerator, span), trailing_sum(expected, span))
            scales.append(robust_scale(base[span - 1 :]))
        return FittedSeries(spec, profile, tuple(scales))
    if denominator is None:
        raise ValueError(f"series {spec.name} is a rate and needs its denominator")
    profile = fit_rate_profile(times, numerator, denominator)
    if flat:
        profile = _flatten(profile)
    rate = profile.expected(times)
    for span in config.spans:
        den_sum = trailing_sum(denominator, span)
        span_rate = _span_rate(trailing_sum(denominator * rate, span), den_sum)
        base = rate_z(trailing_sum(numerator, span), den_sum, span_rate)
        scales.append(robust_scale(base[den_sum >= config.min_volume * span]))
    return FittedSeries(spec, profile, tuple(scales))


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
        return max(self.config.spans) - 1

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (lists and numbers) for the registry's parameters and the artefact."""
        return {
            "window": self.window,
            "window_s": self.window_s,
            "config": {**dataclasses.asdict(self.config), "spans": list(self.config.spans)},
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
            config = DetectorConfig(**{**raw, "spans": tuple(int(s) for s in raw["spans"])})
            series = tuple(
                FittedSeries(
                    SeriesSpec.from_json(s["spec"]),
                    _profile_from(s["profile"]),
                    tuple((float(m), float(g)) for m, g in s["scales"]),
                )
                for s in data["series"]
            )
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


def _flatten(profile: Profile) -> Profile:
    """The same profile with every hour and weekday alike (other fields kept)."""
    if isinstance(profile, RateProfile):
        return dataclasses.replace(profile, hourly=np.full(24, profile.overall))
    return dataclasses.replace(profile, hourly=np.ones(24), weekly=np.ones(7))


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
