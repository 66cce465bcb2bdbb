"""Churn models: ours (a booster or a linear model, chosen on the training users) and the
baselines it must beat.

Every model is a :class:`ChurnModel`: ``fit(features, labels)`` then
``predict(features)`` giving P(churn) per row, so the evaluation treats them alike.
The baselines are what a careful analyst tries first: recency alone, and a logistic
regression on recency, frequency and monetary value (RFM). BG/NBD lives with the
evaluation tools, not here, because its package is not a runtime dependency.

Ours is :class:`SelectedChurn`: a calibrated gradient-boosted model and a regularised
logistic regression on the same features, one of them picked by cross-validated log-loss
on the training users alone. Neither wins everywhere. On a clickstream, where how a user
spends a visit tells kinds of users apart, the folds take the booster (31 of the
generator's 32 reported conditions). On a purchase log, where each session is one order
and only the timing and size of orders remain, they take the logistic model (every CDNOW
and UCI Online Retail cut-off): there the booster had lost to the three-column RFM
regression by 0.02 and 0.12 ROC-AUC among recently active CDNOW customers, while the
logistic model matched it (docs/ml.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol, Self

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from eventtide.ml.features import CALENDAR_BOUND, CHURN_FEATURES, FeatureTable
from eventtide.ml.history import FloatArray

RFM: Final = ("recency_days", "active_days", "monetary")
OURS: Final = tuple(name for name in CHURN_FEATURES if name not in CALENDAR_BOUND or name in RFM)
"""Ours' columns: every churn feature but those the calendar sets, and never fewer than the
RFM baseline takes. Its lifetime frequency and money are calendar-bound too, yet a model
that cannot see what the baseline sees can only lose to it where they matter: on the UCI
Online Retail log (a wholesaler's customers, whose order count is their strongest sign)
ours without them lost to RFM-LR by 0.009 to 0.039 ROC-AUC at every cut-off tried, and
gained 0.012 to 0.027 with them (docs/ml.md), while on the generator's development seeds
they moved it by -0.003 on average, within its noise."""
DIRECTIONS: Final[Mapping[str, int]] = {
    # the label is silence: the longer it has lasted, the likelier it goes on
    "recency_days": 1,
    # the same silence counted in the user's own usual gaps between sessions
    "recency_over_gap": 1,
    # a customer who has stopped buying, however much they still browse
    "days_since_purchase": 1,
    # recent activity: RFM's frequency over the last four weeks
    "events_28d": -1,
    "sessions_28d": -1,
    "active_days_28d": -1,
    "purchases_28d": -1,
    # the user's habit over their whole tenure
    "sessions_per_week": -1,
    "purchases_per_week": -1,
    # activity just before the cut-off, and whether visits are thinning out
    "last_week_sessions": -1,
    "weekly_trend": -1,
}
"""Features whose direction is known before any data is seen: +1 when more of it can only
mean more churn with everything else held equal, -1 when it can only mean less. The
booster is constrained to them (``monotonic_cst``), so with few churners it cannot learn
a wiggle that reverses them. Left free, because the effect can go either way: the mean gap
between sessions (infrequent users churn more, yet a long usual gap makes a given silence
say less), money in the last 28 days (a large single order is often a one-off buyer's),
cart abandonment and errors (friction, but seen mostly in engaged users)."""
CV_FOLDS: Final = 5
"""Folds of the stratified cross-validation that picks ours among its candidates."""
MIN_KNOWN: Final = 20
"""Training users a feature known for some users only must be known for to be used: a
column of k values is missing from a booster's 8/15 of the rows with a chance near
(7/15)^k, 2e-7 at 20; and a feature known for fewer users can hardly be learned."""


class ChurnModel(Protocol):
    """What the evaluation needs from a model."""

    name: str

    def fit(self, table: FeatureTable, churned: FloatArray) -> ChurnModel: ...

    def predict(self, table: FeatureTable) -> FloatArray: ...


def _log_columns(table: FeatureTable, names: tuple[str, ...]) -> FloatArray:
    """Named columns on a log scale (counts and money are heavy-tailed), NaN as 0."""
    columns = np.column_stack([table.column(name) for name in names])
    logged: FloatArray = np.log1p(np.nan_to_num(np.maximum(columns, 0.0), nan=0.0))
    return logged


def _usable(table: FeatureTable, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The columns known for every training user or for at least :data:`MIN_KNOWN`.

    A column with no value at all (cart abandonment in a purchase-only log) says nothing,
    and scikit-learn 1.9's binning fails on it; so it does on a column with a few values
    when none of them falls in the rows a booster is fitted on: ours cross-validates over
    5 folds and calibrates over 3 inside each, so a booster sees about 8/15 of the
    training users (in a log of single orders, the time between a session's events is
    known for a handful).
    """
    enough = min(MIN_KNOWN, table.users.size)
    return tuple(n for n in columns if np.count_nonzero(~np.isnan(table.column(n))) >= enough)


def _matrix(table: FeatureTable, used: tuple[str, ...]) -> FloatArray:
    return np.column_stack([table.column(name) for name in used])


@dataclass
class LogisticBaseline:
    """A logistic regression on a few log-scaled columns: recency alone, or RFM."""

    name: str
    columns: tuple[str, ...]
    _model: object = field(default=None, repr=False)

    def fit(self, table: FeatureTable, churned: FloatArray) -> LogisticBaseline:
        """Fit on the training users' columns."""
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(_log_columns(table, self.columns), churned.astype(int))
        self._model = model
        return self

    def predict(self, table: FeatureTable) -> FloatArray:
        """P(churn) per row."""
        proba = self._model.predict_proba(_log_columns(table, self.columns))  # type: ignore[attr-defined]
        return np.asarray(proba[:, 1], dtype=float)


def recency_baseline() -> LogisticBaseline:
    """Days since the last event, alone (monotone, so its ranking is recency's own)."""
    return LogisticBaseline("recency", ("recency_days",))


def rfm_baseline() -> LogisticBaseline:
    """Recency, frequency (active days) and monetary value in a logistic regression."""
    return LogisticBaseline("rfm_logistic", RFM)


@dataclass
class _Fitted:
    """What every fitted model of ours keeps: the estimator and the columns it takes.

    ``_model`` is a plain scikit-learn estimator over the ``used`` columns in that order;
    it is what the registry stores (skops) and what a loaded production model is called on.
    """

    name: str
    threads: int = 1
    used: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()
    _model: Any = field(default=None, repr=False)

    def predict(self, table: FeatureTable) -> FloatArray:
        """P(churn) per row; the columns must be the ones it was fitted on."""
        if self._model is None:
            raise RuntimeError("fit the model before predicting")
        if table.names != self.feature_names:
            raise ValueError(f"features {table.names} differ from fitted {self.feature_names}")
        with threadpool_limits(self.threads):
            proba = self._model.predict_proba(_matrix(table, self.used))
        return np.asarray(proba[:, 1], dtype=float)


@dataclass
class _Candidate(_Fitted):
    """A model of ours fitted on its usable ``columns`` by the estimator it builds."""

    columns: tuple[str, ...] = OURS

    def estimator(self, used: tuple[str, ...]) -> Any:
        """The unfitted scikit-learn estimator over ``used``."""
        raise NotImplementedError

    def fit(self, table: FeatureTable, churned: FloatArray) -> Self:
        """Fit on the training users."""
        self.used = _usable(table, self.columns)
        model = self.estimator(self.used)
        with threadpool_limits(self.threads):
            model.fit(_matrix(table, self.used), churned.astype(int))
        self._model = model
        self.feature_names = table.names
        return self


@dataclass
class GradientBoostedChurn(_Candidate):
    """Histogram gradient boosting on the churn features, calibrated.

    Boosting finds the interactions a linear model cannot (a two-day silence means
    churn for a daily visitor and nothing for a weekly one); calibration over 3 folds
    (``calibration``) turns its scores into probabilities, so its Brier score means
    something.
    Missing values (no purchase yet, no cart) stay NaN: the trees route them. Features
    named in ``directions`` are held monotone (:data:`DIRECTIONS`).
    """

    name: str = "ours_hgb"
    max_iter: int = 200
    learning_rate: float = 0.05
    max_leaf_nodes: int = 15
    seed: int = 0
    threads: int = 1
    """OpenMP threads for boosting. One: on 300 users it fitted in 0.56 s with one thread
    and 5.0 s with two on the shared two-core machine (threads spinning against each other)."""
    ensemble: bool = True
    """Calibrate 3 fold models (True) or one model on all rows, calibrated on
    cross-validated predictions (False): a third of the prediction cost, for serving."""
    directions: Mapping[str, int] = field(default_factory=lambda: dict(DIRECTIONS))
    calibration: Literal["temperature", "sigmoid"] = "temperature"
    """Temperature scaling divides the booster's logit by one positive number fitted on
    each held-out fold, so it keeps the booster's order and the monotone constraints hold
    for the calibrated probabilities too. Sigmoid (Platt) scaling fits a slope and an
    intercept, and a fold whose booster is no better than chance can get a slope of the
    wrong sign: one of three did on a noise population, and the calibrated ensemble then
    lowered churn as silence grew. On the generator's development seeds and the two real
    purchase logs temperature scaling gave the same ROC-AUC (within 0.005) and a lower or
    equal Brier score in 16 of 18 conditions."""

    def estimator(self, used: tuple[str, ...]) -> CalibratedClassifierCV:
        """The unfitted, calibrated booster over ``used``."""
        constraints = [self.directions.get(name, 0) for name in used]
        booster = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            l2_regularization=1.0,
            min_samples_leaf=20,
            monotonic_cst=constraints if any(constraints) else None,
            random_state=self.seed,
        )
        return CalibratedClassifierCV(
            booster, method=self.calibration, cv=3, ensemble=self.ensemble
        )


@dataclass
class LinearChurn(_Candidate):
    """A regularised logistic regression on every churn feature ours uses.

    arcsinh first (logarithmic for the heavy-tailed counts, money and days, yet defined at
    zero and for the signed trend, and unbounded, so a longer silence than any in training
    still ranks above them), then each missing value set to the training median with one
    indicator column per feature that has any (no purchase yet is information), then
    standardised. The L2 strength is chosen among 11 values from 1e-3 to 1e2 by 5-fold
    cross-validated log-loss on the training rows.
    """

    name: str = "ours_linear"

    def estimator(self, used: tuple[str, ...]) -> Pipeline:
        """The unfitted pipeline (``used`` is taken for symmetry with the booster)."""
        del used
        return make_pipeline(
            FunctionTransformer(np.arcsinh),
            SimpleImputer(strategy="median", add_indicator=True),
            StandardScaler(),
            LogisticRegressionCV(
                Cs=np.logspace(-3.0, 2.0, 11),
                cv=CV_FOLDS,  # stratified folds; a splitter object would be one more type to trust
                scoring="neg_log_loss",
                l1_ratios=(0.0,),
                max_iter=2000,
                use_legacy_attributes=False,
            ),
        )


Candidate = GradientBoostedChurn | LinearChurn


@dataclass
class SelectedChurn(_Fitted):
    """Ours: whichever candidate has the lower cross-validated log-loss on the training users.

    Each candidate is fitted on 4/5 of the training users and predicts the fifth, over
    :data:`CV_FOLDS` stratified folds; the one whose out-of-fold probabilities have the
    lower mean log-loss (a proper scoring rule, steadier than ROC-AUC with few churners) is
    refitted on every training user. Nothing held out by the evaluation is seen. A tie
    goes to the linear model. With fewer than :data:`CV_FOLDS` users of either class no
    fold can judge, and the linear model, the one with fewer degrees of freedom, is taken.
    The folds are drawn at the training cut-off, so they cannot see the drift between it
    and the cut-off scored later; that is why both candidates leave out the features that
    grow with the calendar (:data:`~eventtide.ml.features.CALENDAR_BOUND`), all but the
    RFM baseline's own (:data:`OURS`).
    """

    name: str = "ours"
    seed: int = 0
    candidates: tuple[Candidate, ...] = field(
        default_factory=lambda: (GradientBoostedChurn(), LinearChurn())
    )
    chosen: str = ""
    cv_log_loss: dict[str, float] = field(default_factory=dict)

    def fit(self, table: FeatureTable, churned: FloatArray) -> SelectedChurn:
        """Pick a candidate by cross-validation on these rows, then fit it on all of them."""
        labels = churned.astype(int)
        fewest = int(min(labels.sum(), labels.size - labels.sum()))
        self.cv_log_loss = {}
        if fewest >= CV_FOLDS:
            folds = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=self.seed)
            for candidate in self.candidates:
                used = _usable(table, candidate.columns)
                with threadpool_limits(self.threads):
                    proba = cross_val_predict(
                        candidate.estimator(used),
                        _matrix(table, used),
                        labels,
                        cv=folds,
                        method="predict_proba",
                    )[:, 1]
                self.cv_log_loss[candidate.name] = float(
                    log_loss(labels, np.clip(proba, 1e-6, 1.0 - 1e-6))
                )
            best = min(self.candidates, key=lambda c: (self.cv_log_loss[c.name], _rank(c)))
        else:
            best = min(self.candidates, key=_rank)
        best.fit(table, churned)
        self.chosen = best.name
        self.used, self._model, self.feature_names = best.used, best._model, best.feature_names
        return self

    def describe(self) -> str:
        """Which candidate was taken and why, for the evaluation's table."""
        if not self.cv_log_loss:
            return f"{self.chosen} (too few users of one class to cross-validate)"
        losses = ", ".join(f"{name} {loss:.4f}" for name, loss in self.cv_log_loss.items())
        return f"{self.chosen} by {CV_FOLDS}-fold log-loss on the training users ({losses})"


def _rank(candidate: Candidate) -> int:
    """Simpler first: the linear model wins ties."""
    return 0 if isinstance(candidate, LinearChurn) else 1
