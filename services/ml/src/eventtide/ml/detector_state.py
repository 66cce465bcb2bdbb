"""The live metric detector's state and its step: final window results in, incidents out.

Pure: a batch of ``windows.v1`` records goes in with the state, the new state and the
alert rows of the incidents that began or grew come out. The processor sends one record
per window key and *processor partition* (its partial), provisional ones before the
window closes and a ``final`` one when it does, and again after a replay. So only final
records count, each kept under (source partition, dimension, value), where a repeat
overwrites instead of adding. A window is judged once every source partition seen
recently has sent finals past its end plus ``settle`` windows (windows.v1 partitions
are read in no particular order relative to each other); every tracked series gets a
value then, zero when no record came, because silence is what an outage looks like.

Consecutive flagged windows (gaps up to ``merge_gap``, same direction) extend one
incident; its id is uuid5(series, start), so a replay after a crash upserts the same
row. The whole state (pending windows, partitions' progress, each series' trailing
windows and open incident) is a small JSON document checkpointed with the offsets.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np

from eventtide.ml.anomaly import Level
from eventtide.ml.anomaly_model import AnomalyModel, FittedSeries
from eventtide.ml.window_series import FIELDS, MODEL_DIMENSIONS, SeriesSpec, column

ALERT_NAMESPACE: Final = uuid.UUID("5c0f7a52-8f7e-4a51-9a0e-3f6b2d7c1e84")
RULE: Final = "metric_anomaly"
KEPT_DIMENSIONS: Final = MODEL_DIMENSIONS
US: Final = 1_000_000


def incident_id(series: str, start_us: int) -> str:
    """Deterministic: the series and the start of the incident's first window."""
    return str(uuid.uuid5(ALERT_NAMESPACE, f"{RULE}|{series}|{start_us}"))


@dataclass
class Incident:
    """An open incident of one series (times in microseconds)."""

    start: int
    end: int
    last: int
    """Start of the last flagged window."""
    direction: str
    severity: float
    expected: float
    observed: float
    windows: int


@dataclass
class SeriesState:
    """The trailing windows a span needs and the incident that may still grow."""

    history: list[tuple[float, float]] = field(default_factory=list)
    incident: Incident | None = None
    level: tuple[float, float] | None = None
    """A count's adaptive level (``anomaly.Level``: observed, expected) and the model
    version it belongs to; another version starts again from its own prior."""
    level_version: int | None = None


@dataclass
class DetectorState:
    """Everything the detector must remember across batches and restarts."""

    closed_through: int | None = None
    """Start (µs) of the last window judged."""
    progress: dict[str, int] = field(default_factory=dict)
    """Per lane (``windows.v1 partition:source partition``), the largest end (µs) of a
    final result seen."""
    pending: dict[int, dict[str, list[float]]] = field(default_factory=dict)
    """Window start (µs) -> ``partition|dimension|value`` -> the four metrics."""
    series: dict[str, SeriesState] = field(default_factory=dict)
    late: int = 0
    """Final results for windows already judged (ignored and counted)."""
    judged: int = 0
    """Windows judged since this state was made or restored: a count for the metrics,
    not part of the checkpoint."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for the checkpoint."""
        return {
            "closed_through": self.closed_through,
            "progress": dict(self.progress),
            "pending": {str(k): v for k, v in self.pending.items()},
            "series": {
                name: {
                    "history": s.history,
                    "incident": None if s.incident is None else vars(s.incident),
                    "level": None if s.level is None else list(s.level),
                    "level_version": s.level_version,
                }
                for name, s in self.series.items()
            },
            "late": self.late,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DetectorState:
        """Back from :meth:`to_json`."""
        return cls(
            closed_through=data["closed_through"],
            progress={str(k): int(v) for k, v in data["progress"].items()},
            pending={int(k): v for k, v in data["pending"].items()},
            series={
                name: SeriesState(
                    [(float(a), float(b)) for a, b in s["history"]],
                    None if s["incident"] is None else Incident(**s["incident"]),
                    _level(s.get("level")),
                    s.get("level_version"),
                )
                for name, s in data["series"].items()
            },
            late=int(data["late"]),
        )


def _level(stored: list[float] | None) -> tuple[float, float] | None:
    return None if stored is None else (float(stored[0]), float(stored[1]))


@dataclass(frozen=True)
class DetectorConfigLive:
    """How the detector decides a window is complete."""

    settle_windows: int = 1
    """Extra windows every source partition must be past before a window is judged."""
    stale_windows: int = 12
    """A source partition this many windows behind the newest in every windows.v1
    partition is left out (gone idle)."""


def accept(
    state: DetectorState,
    records: list[dict[str, Any]],
    model: AnomalyModel,
    lanes: list[int] | None = None,
) -> int:
    """Take a batch's final results of the model's window kind into ``state``; returns
    how many were taken. Provisional results and other windows are ignored. ``lanes``
    gives the windows.v1 partition each record was read from (0 for all when None)."""
    taken = 0
    for index, record in enumerate(records):
        if not record.get("final") or record.get("window") != model.window:
            continue
        start, end = int(record["window_start"]), int(record["window_end"])
        partition = int(record["partition"])
        lane = f"{0 if lanes is None else lanes[index]}:{partition}"
        state.progress[lane] = max(state.progress.get(lane, end), end)
        if record.get("dimension") not in KEPT_DIMENSIONS:
            continue
        if state.closed_through is not None and start <= state.closed_through:
            state.late += 1
            continue
        key = f"{partition}|{record['dimension']}|{record['value']}"
        state.pending.setdefault(start, {})[key] = [float(record[f]) for f in FIELDS]
        taken += 1
    return taken


def frontier(
    state: DetectorState,
    model: AnomalyModel,
    live: DetectorConfigLive,
    partitions: Collection[int] = (),
) -> int | None:
    """The end (µs) up to which windows are complete, or None before any result or
    while one of the windows.v1 ``partitions`` read has shown no final result yet (a
    replay may read one partition to its end before the next one's first record)."""
    seen = {int(lane.split(":", 1)[0]) for lane in state.progress}
    if not state.progress or not set(partitions) <= seen:
        return None
    step = int(model.window_s * US)
    by_source: dict[str, int] = {}
    for lane, end in state.progress.items():
        source = lane.split(":", 1)[1]
        by_source[source] = max(by_source.get(source, end), end)
    newest = max(by_source.values())
    # a source partition far behind everywhere has gone idle; a windows.v1 partition
    # behind is only being read later, and is waited for
    active = [
        end
        for lane, end in state.progress.items()
        if by_source[lane.split(":", 1)[1]] >= newest - live.stale_windows * step
    ]
    return min(active) - live.settle_windows * step


def close_windows(
    state: DetectorState,
    model: AnomalyModel,
    live: DetectorConfigLive,
    version: int,
    partitions: Collection[int] = (),
) -> list[dict[str, Any]]:
    """Judge every complete window in order; the alert rows of incidents begun or grown
    (one row per incident, its latest form). ``partitions``: the windows.v1 partitions
    being read, each of which must have shown a final result."""
    until = frontier(state, model, live, partitions)
    step = int(model.window_s * US)
    if until is None or (state.closed_through is None and not state.pending):
        return []
    first = min(state.pending) if state.closed_through is None else state.closed_through + step
    changed: dict[str, dict[str, Any]] = {}
    start = first
    while start + step <= until:
        columns = _columns(state.pending.pop(start, {}))
        for fitted in model.series:
            row = _judge(state, model, fitted, start, columns, version)
            if row is not None:
                changed[row["alert_id"]] = row
        state.closed_through = start
        state.judged += 1
        start += step
    return list(changed.values())


def opened_series(rows: list[dict[str, Any]], closed_before: int | None) -> list[str]:
    """The series of the incidents that ``rows`` (one :func:`close_windows` call, judged
    after ``closed_before``) opened: those beginning in a window judged by that call.
    The others grew an incident an earlier call opened."""
    return [
        str(row["evidence"]["series"])
        for row in rows
        if closed_before is None or int(row["evidence"]["start"]) > closed_before
    ]


def judged_through_s(state: DetectorState, model: AnomalyModel) -> float | None:
    """The end (seconds of event time) of the last window judged, if any."""
    if state.closed_through is None:
        return None
    return state.closed_through / US + model.window_s


def _columns(partials: dict[str, list[float]]) -> dict[str, float]:
    """Sum of the partitions' partials per column."""
    totals: dict[str, float] = {}
    for key, metrics in partials.items():
        _, dimension, value = key.split("|", 2)
        for name, amount in zip(FIELDS, metrics, strict=True):
            col = column(dimension, value, name)
            totals[col] = totals.get(col, 0.0) + amount
    return totals


def _judge(
    state: DetectorState,
    model: AnomalyModel,
    fitted: FittedSeries,
    start: int,
    columns: dict[str, float],
    version: int,
) -> dict[str, Any] | None:
    spec, config = fitted.spec, model.config
    series = state.series.setdefault(spec.name, SeriesState())
    num, maybe_den = spec.values(lambda name: columns.get(name, 0.0))
    den = 0.0 if maybe_den is None else maybe_den
    window = [*series.history, (num, den)]
    series.history = window[-model.context :] if model.context else []
    step = int(model.window_s * US)
    times = start / US - model.window_s * np.arange(len(window) - 1, -1, -1, dtype=float)
    nums = np.array([w[0] for w in window])
    dens = np.array([w[1] for w in window]) if spec.denominator is not None else None
    kept = series.level if series.level_version == version else None
    level = None if kept is None else Level(*kept)
    scored, after = fitted.judge_last(times, nums, dens, config, level, model.window_s)
    if after is not None:
        series.level, series.level_version = (after.observed, after.expected), version
    z, expected, observed = (
        float(scored.z[-1]),
        float(scored.expected[-1]),
        float(scored.observed[-1]),
    )
    open_ = series.incident
    if open_ is not None and start - open_.last > (config.merge_gap + 1) * step:
        series.incident = open_ = None
    if not bool(scored.flagged[-1]):
        return None
    direction = "down" if z < 0 else "up"
    if open_ is None or open_.direction != direction:
        open_ = Incident(start, start + step, start, direction, abs(z), 0.0, 0.0, 0)
    open_ = replace(
        open_,
        end=start + step,
        last=start,
        severity=max(open_.severity, abs(z)),
        expected=open_.expected + expected,
        observed=open_.observed + (observed if np.isfinite(observed) else 0.0),
        windows=open_.windows + 1,
    )
    series.incident = open_
    return alert_row(spec, open_, model, version)


def alert_row(
    spec: SeriesSpec, incident: Incident, model: AnomalyModel, version: int
) -> dict[str, Any]:
    """The ``alerts`` row (and ``alerts.v1`` record) of an incident, in its latest form.

    Expected and observed are in the series' own unit (revenue in cents, not in the
    order values it is judged in).
    """
    high = incident.severity >= 2 * model.config.threshold
    series = spec.name
    return {
        "alert_id": incident_id(series, incident.start),
        "rule": RULE,
        "user_id": "*",
        "severity": "high" if high else "medium",
        "at": incident.start,
        "evidence": {
            "series": series,
            "window": model.window,
            "start": incident.start,
            "end": incident.end,
            "direction": incident.direction,
            "expected": incident.expected / incident.windows * spec.scale,
            "observed": incident.observed / incident.windows * spec.scale,
            "z": incident.severity,
            "windows": incident.windows,
            "model_version": version,
        },
    }
