"""The metric detector's part of the exactly-once loop: ``windows.v1`` in, alerts out.

``prepare`` (main thread) decodes a batch, takes its final window results into the
state and judges every window that became complete; ``write`` upserts the incidents'
alert rows, the state document and the batch's offsets in the loop's one transaction;
the loop's outbox stores the alerts for ``alerts.v1`` in that transaction and sends
them after it. After a crash the loop seeks back to
the stored offsets and ``assigned`` reloads the state stored with them, so the replayed
batch rebuilds the same incidents under the same ids: nothing is written twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
from sqlalchemy import Connection, Engine

from eventtide.core.db.anomalies import (
    load_detector_state,
    save_detector_state,
    upsert_alerts,
)
from eventtide.core.db.offsets import OffsetRow, next_offsets, store_offsets
from eventtide.ml.anomaly_model import AnomalyModel
from eventtide.ml.anomaly_training import load_anomaly_model
from eventtide.ml.detector_state import (
    DetectorConfigLive,
    DetectorState,
    accept,
    close_windows,
    judged_through_s,
    opened_series,
)
from eventtide.ml.metrics import observe_judged
from eventtide.ml.registry import production
from eventtide.ml.scorer import ModelHolder, NoProductionModelError

log = logging.getLogger("eventtide.ml")

DETECTOR: Final = "metric"
"""This detector's ``detector`` label in the metrics."""


@dataclass(frozen=True)
class ServedAnomalyModel:
    """The production anomaly model and its version."""

    model: AnomalyModel
    version: int


def load_served(conn: Connection, name: str) -> ServedAnomalyModel:
    """The production anomaly model, or a clear refusal."""
    registered = production(conn, name)
    if registered is None:
        raise NoProductionModelError(
            f"no production model named {name!r}: train one with `eventtide ml train anomaly`"
        )
    try:
        model = load_anomaly_model(registered)
    except ValueError as error:
        raise NoProductionModelError(f"{name} v{registered.version}: {error}") from error
    return ServedAnomalyModel(model, registered.version)


@dataclass
class Detected:
    """One batch: the alert rows to upsert, the state after it, its next offsets."""

    rows: list[dict[str, Any]]
    document: str
    offsets: list[OffsetRow]
    messages: int = 0
    taken: int = 0
    invalid: int = 0
    judged: int = 0
    opened: list[str] = field(default_factory=list)
    through_s: float | None = None


@dataclass
class DetectorReport:
    """Counters for the summary printed at exit."""

    batches: int = 0
    records: int = 0
    finals: int = 0
    invalid: int = 0
    alerts_written: int = 0
    late: int = 0
    versions: list[int] = field(default_factory=list)


class DetectorSteps:
    """``prepare``/``write``/``after_commit``/``assigned`` for :class:`BatchLoop`."""

    def __init__(
        self,
        *,
        holder: ModelHolder[ServedAnomalyModel],
        engine: Engine,
        group_id: str,
        topic: str,
        live: DetectorConfigLive,
        report: DetectorReport,
    ) -> None:
        self.holder, self.engine, self.live, self.report = holder, engine, live, report
        self.group_id, self.topic = group_id, topic
        self.state = DetectorState()
        self.partitions: set[int] = set()

    def assigned(self, partitions: list[int]) -> None:
        """Start from the state committed with the offsets the loop is about to seek to."""
        self.partitions |= set(partitions)
        with self.engine.connect() as conn:
            document = load_detector_state(conn, self.group_id, self.topic)
        self.state = (
            DetectorState() if document is None else DetectorState.from_json(orjson.loads(document))
        )
        log.info("detector state restored: windows judged through %s", self.state.closed_through)

    def revoked(self, partitions: list[int]) -> None:
        """Partitions gone to another member (the detector should run as one)."""
        self.partitions -= set(partitions)

    def prepare(self, messages: list[Any]) -> Detected:
        """Decode, take the final results, judge the windows now complete."""
        records, lanes, invalid = [], [], 0
        for message in messages:
            try:
                record = orjson.loads(message.value())
            except orjson.JSONDecodeError:
                record = None
            if isinstance(record, dict) and {"window", "window_start", "partition"} <= set(record):
                records.append(record)
                lanes.append(int(message.partition()))
            else:
                invalid += 1
        served = self.holder.current()
        if not self.report.versions or self.report.versions[-1] != served.version:
            self.report.versions.append(served.version)
        try:
            taken = accept(self.state, records, served.model, lanes)
        except (KeyError, TypeError, ValueError):  # find the malformed records
            taken = 0
            for record, lane in zip(records, lanes, strict=True):
                try:
                    taken += accept(self.state, [record], served.model, [lane])
                except (KeyError, TypeError, ValueError) as error:
                    invalid += 1
                    log.warning("skipped a window record: %s", error)
        before, judged = self.state.closed_through, self.state.judged
        rows = close_windows(self.state, served.model, self.live, served.version, self.partitions)
        document = orjson.dumps(self.state.to_json()).decode()
        offsets = next_offsets(messages, self.group_id)
        return Detected(
            rows, document, offsets, len(messages), taken, invalid,
            judged=self.state.judged - judged, opened=opened_series(rows, before),
            through_s=judged_through_s(self.state, served.model),
        )  # fmt: skip

    def write(self, conn: Connection, detected: Detected) -> int:
        """Alerts, state and offsets in the loop's transaction; returns the alert rows."""
        written = upsert_alerts(conn, detected.rows)
        save_detector_state(conn, self.group_id, self.topic, detected.document)
        store_offsets(conn, detected.offsets)
        return written

    def after_commit(self, detected: Detected, written: int) -> None:
        """Writer thread, after the commit: counters and metrics."""
        observe_judged(DETECTOR, detected.judged, detected.opened, detected.through_s)
        self.report.batches += 1
        self.report.records += detected.messages
        self.report.finals += detected.taken
        self.report.invalid += detected.invalid
        self.report.alerts_written += written
        self.report.late = self.state.late
