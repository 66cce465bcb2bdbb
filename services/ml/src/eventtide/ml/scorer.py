"""The scorer's part of the exactly-once loop: ``features.v1`` in, ``predictions`` out.

``prepare`` (main thread) decodes and scores a batch with the production model;
``write`` stores the predictions and the batch's next offsets in the loop's one
transaction, and the loop's outbox stores them for ``predictions.v1`` in that same
transaction and sends them after it (every committed row reaches the topic at least
once; ``loop_wiring.rows_outgoing``). The production model is
re-checked every ``reload_interval_s``: a promotion is picked up without a restart, and
an artefact that fails its digest or type check is refused (logged) while the model in
hand keeps serving.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import orjson
from sqlalchemy import Connection, Engine

from eventtide.core.db.offsets import OffsetRow, next_offsets, store_offsets
from eventtide.core.db.predictions import insert_predictions
from eventtide.ml.artefacts import ArtefactRefusedError
from eventtide.ml.explain import Curve
from eventtide.ml.metrics import observe, serving
from eventtide.ml.online_features import ONLINE_FEATURES
from eventtide.ml.registry import load_estimator, production, production_version
from eventtide.ml.scoring import ScoringModel, score_records

log = logging.getLogger("eventtide.ml")


class NoProductionModelError(Exception):
    """The scorer cannot start: no usable production model of its name."""


def load_model(conn: Connection, name: str) -> ScoringModel:
    """The production model as a :class:`ScoringModel`, or a clear refusal."""
    registered = production(conn, name)
    if registered is None:
        raise NoProductionModelError(
            f"no production model named {name!r}: train one with `eventtide ml train`"
        )
    used = tuple(registered.parameters.get("used", ()))
    if used != ONLINE_FEATURES:
        raise NoProductionModelError(
            f"{name} v{registered.version} uses features {used}, not the features.v1 "
            f"fields {ONLINE_FEATURES}"
        )
    estimator = load_estimator(registered)
    reference = tuple(float(x) for x in registered.parameters["reference"])
    curves = tuple(Curve.from_json(c) for c in registered.parameters["curves"])
    return ScoringModel(name, registered.version, estimator, reference, curves)


class Versioned(Protocol):
    """What the holder needs of a served model: its registry version."""

    @property
    def version(self) -> int:
        """The registry version it was loaded from."""
        ...


M = TypeVar("M", bound=Versioned)


class ModelHolder(Generic[M]):
    """The model in service, and when its version was last checked.

    ``loader`` reads the name's production model (``load_model`` for the churn scorer;
    the metric detector passes its own), raising :class:`NoProductionModelError` or
    :class:`ArtefactRefusedError` when there is none it can use.
    """

    def __init__(
        self,
        engine: Engine,
        name: str,
        interval_s: float,
        model: M,
        loader: Callable[[Connection, str], M],
    ) -> None:
        self.engine, self.name, self.interval_s = engine, name, interval_s
        self.model, self.loader = model, loader
        self.checked = time.monotonic()
        serving(name, model.version)
        self.refused: set[int] = set()

    def current(self) -> M:
        """The model to score with, reloaded if another version was promoted."""
        now = time.monotonic()
        if now - self.checked < self.interval_s:
            return self.model
        self.checked = now
        with self.engine.connect() as conn:
            version = production_version(conn, self.name)
            if version is None or version == self.model.version or version in self.refused:
                return self.model
            try:
                self.model = self.loader(conn, self.name)
                serving(self.name, self.model.version)
                log.info("now serving %s v%d", self.name, self.model.version)
            except (ArtefactRefusedError, NoProductionModelError) as error:
                self.refused.add(version)
                log.error("refused %s v%d, still serving v%d: %s", self.name, version,
                          self.model.version, error)  # fmt: skip
        return self.model


@dataclass
class Scored:
    """One batch: its prediction rows and next offsets."""

    rows: list[dict[str, Any]]
    offsets: list[OffsetRow]
    invalid: int = 0


@dataclass
class ScorerReport:
    """Counters for the summary printed at exit."""

    batches: int = 0
    records: int = 0
    stored: int = 0
    invalid: int = 0
    versions: list[int] = field(default_factory=list)


class ScorerSteps:
    """``prepare``/``write``/``after_commit`` for :class:`BatchLoop`."""

    def __init__(
        self,
        *,
        holder: ModelHolder[ScoringModel],
        group_id: str,
        report: ScorerReport,
    ) -> None:
        self.holder, self.group_id, self.report = holder, group_id, report

    def prepare(self, messages: list[Any]) -> Scored:
        """Decode and score; an undecodable or incomplete record is counted, not scored."""
        records, invalid = [], 0
        for message in messages:
            try:
                record = orjson.loads(message.value())
                if isinstance(record, dict) and "feature_id" in record and "user_id" in record:
                    records.append(record)
                    continue
            except orjson.JSONDecodeError:
                pass
            invalid += 1
        model = self.holder.current()
        if not self.report.versions or self.report.versions[-1] != model.version:
            self.report.versions.append(model.version)
        try:
            rows = score_records(model, records, time.time_ns() // 1_000)
        except ValueError:
            rows = []
            for record in records:  # rare: find the bad ones one by one
                try:
                    rows.extend(score_records(model, [record], time.time_ns() // 1_000))
                except ValueError as error:
                    invalid += 1
                    log.warning("skipped a features record: %s", error)
        return Scored(rows, next_offsets(messages, self.group_id), invalid)

    def write(self, conn: Connection, scored: Scored) -> int:
        """Predictions and offsets in the loop's transaction; returns the new rows."""
        added = insert_predictions(conn, scored.rows)
        store_offsets(conn, scored.offsets)
        return added

    def after_commit(self, scored: Scored, added: int) -> None:
        """Writer thread, after the commit: counters and metrics."""
        observe(scored.rows, time.time())
        self.report.batches += 1
        self.report.records += len(scored.rows) + scored.invalid
        self.report.stored += added
        self.report.invalid += scored.invalid
