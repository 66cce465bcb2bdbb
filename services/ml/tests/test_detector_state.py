"""The live detector's step: window partials in any batching, restarts from the JSON
checkpoint, repeats and provisional results, and the incidents equal the batch verdict."""

from __future__ import annotations

import json
import zlib
from typing import Any

import numpy as np
import pytest
from synthetic import STEP
from test_anomaly_model import CUT, EVENTS, PURCHASES, synthetic_table

from eventtide.ml.anomaly import DetectorConfig, alerts_from
from eventtide.ml.anomaly_model import AnomalyModel, fit_model
from eventtide.ml.detector_state import (
    DetectorConfigLive,
    DetectorState,
    SeriesState,
    accept,
    close_windows,
    incident_id,
    judged_through_s,
    opened_series,
)
from eventtide.ml.window_series import FIELDS, WindowTable, default_specs

pytestmark = pytest.mark.unit

US = 1_000_000
DAYS = 2
DROP = slice(300, 312)  # an hour at a fifth of the traffic
UNPAID = slice(400, 406)  # half an hour of checkouts that do not pay


@pytest.fixture(scope="module")
def setup() -> tuple[AnomalyModel, WindowTable]:
    table = synthetic_table()
    train = table.between(-np.inf, CUT)
    held = table.between(CUT, CUT + DAYS * 86_400)
    model = fit_model("tumbling_5m", train, default_specs(train, 5.0), DetectorConfig())
    events = held.get(EVENTS).copy()
    events[DROP] = np.round(events[DROP] * 0.2)
    purchases = held.get(PURCHASES).copy()
    purchases[UNPAID] = 0.0
    columns = {**held.columns, EVENTS: events, PURCHASES: purchases}
    return model, WindowTable(STEP, held.times, columns)


def records(table: WindowTable) -> list[dict[str, Any]]:
    """What the processor sends: per window key and partition, a provisional result
    (wrong on purpose) then the final one, the final sent twice for a replay; keys
    without events send nothing; some noise of other windows and dimensions."""
    out: list[dict[str, Any]] = []
    keys = sorted({name.rsplit("|", 1)[0] for name in table.columns})
    for i, start in enumerate(table.times):
        for partition in (0, 1):
            for key in keys:
                dimension, value = key.split("|")
                metrics = [table.get(f"{key}|{f}")[i] for f in FIELDS]
                share = [m // 2 if partition == 0 else m - m // 2 for m in metrics]
                if not any(share):
                    continue
                base = {"partition": partition, "window": "tumbling_5m",
                        "window_start": int(start * US), "window_end": int((start + STEP) * US),
                        "dimension": dimension, "value": value}  # fmt: skip
                fields = dict(zip(FIELDS, share, strict=True))
                out.append(base | {f: 3 * v + 1 for f, v in fields.items()} | {"final": False})
                out.append(base | fields | {"final": True})
                if i % 7 == 0:
                    out.append(base | fields | {"final": True})
            other = {"partition": partition, "window": "tumbling_1h", "window_start": 0,
                     "window_end": 1, "dimension": "all", "value": "*", "final": True}  # fmt: skip
            out.append(other | dict.fromkeys(FIELDS, 9))
    return out


def run_live(
    model: AnomalyModel,
    stream: list[dict[str, Any]],
    batch: int,
    restart_every: int,
    state: DetectorState | None = None,
) -> tuple[DetectorState, dict[str, dict[str, Any]], list[set[str]]]:
    """Feed the stream in batches, restarting from the JSON checkpoint now and then."""
    state, latest, per_batch = state or DetectorState(), {}, []
    live = DetectorConfigLive(settle_windows=1)
    for number, first in enumerate(range(0, len(stream), batch)):
        accept(state, stream[first : first + batch], model)
        rows = close_windows(state, model, live, version=1)
        per_batch.append({r["alert_id"] for r in rows})
        latest.update({r["alert_id"]: r for r in rows})
        if number % restart_every == 0:
            state = DetectorState.from_json(json.loads(json.dumps(state.to_json())))
    return state, latest, per_batch


@pytest.mark.no_cover  # a long evaluation; its code is covered by quicker tests
def test_live_incidents_equal_the_batch_verdict_whatever_the_batching(
    setup: tuple[AnomalyModel, WindowTable],
) -> None:
    model, table = setup
    stream = records(table)
    state, latest, _ = run_live(model, stream, batch=97, restart_every=3)
    judged = int((state.closed_through or 0) / US - table.times[0]) // int(STEP) + 1
    assert judged >= table.times.size - 2  # all but the settling window(s)
    expected = set()
    for fitted in model.series:
        part = table.between(-np.inf, table.times[0] + judged * STEP)
        scored = fitted.score(part.times, *part.series(fitted.spec), model.config)
        for alert in alerts_from(fitted.spec.name, scored, STEP, model.config):
            expected.add((fitted.spec.name, alert.start, alert.end, alert.direction))
    live = {(r["evidence"]["series"], r["evidence"]["start"] / US, r["evidence"]["end"] / US,
             r["evidence"]["direction"]) for r in latest.values()}  # fmt: skip
    assert live == expected
    drop_start = float(table.times[DROP.start])
    assert any(s == "events" and d == "down" and start <= drop_start + 2 * STEP
               for s, start, _, d in live)  # fmt: skip
    # the day span after the unpaid half hour sums only what the quicker spans left
    # (a live score without their history would differ: the context is checked here)
    unpaid_start = float(table.times[UNPAID.start])
    assert any(s.startswith("conversion.") and start <= unpaid_start + 2 * STEP
               for s, start, _, _ in live)  # fmt: skip
    _, other, _ = run_live(model, stream, batch=1000, restart_every=1)
    assert other == latest
    # counts carry their level (of this model version) through the checkpoint; rates none
    events = state.series["events"]
    assert events.level is not None
    assert events.level_version == 1
    assert events.level[0] != events.level[1]  # moved off its prior
    restored = DetectorState.from_json(json.loads(json.dumps(state.to_json())))
    assert restored.series["events"].level == events.level
    assert state.series["conversion.checkout_started.purchase"].level is None
    # a level left by another model version is not this model's: it starts from its prior
    stale = DetectorState(series={"events": SeriesState(level=(1.0, 1000.0), level_version=7)})
    _, fresh, _ = run_live(model, stream, batch=1000, restart_every=1, state=stale)
    assert fresh == latest


def test_one_incident_grows_across_batches_under_one_id(
    setup: tuple[AnomalyModel, WindowTable],
) -> None:
    model, table = setup
    stream = records(table)
    _, latest, per_batch = run_live(model, stream, batch=20, restart_every=5)
    drop = [r for r in latest.values() if r["evidence"]["series"] == "events"
            and r["evidence"]["direction"] == "down"]  # fmt: skip
    assert len(drop) == 1
    row = drop[0]
    assert row["alert_id"] == incident_id("events", row["at"])
    assert sum(row["alert_id"] in ids for ids in per_batch) >= 2  # upserted as it grew
    assert row["evidence"]["windows"] >= 3
    assert row["evidence"]["observed"] < 0.5 * row["evidence"]["expected"]
    assert row["rule"] == "metric_anomaly"
    assert row["user_id"] == "*"


def test_finals_after_their_window_was_judged_are_counted_not_applied(
    setup: tuple[AnomalyModel, WindowTable],
) -> None:
    model, table = setup
    stream = records(table)
    state, latest, _ = run_live(model, stream, batch=500, restart_every=100)
    replay = [r for r in stream[:200] if r["final"] and r["window"] == "tumbling_5m"]
    accept(state, replay, model)
    assert state.late == len(replay)
    assert close_windows(state, model, DetectorConfigLive(), version=1) == []
    assert latest  # the drop at least


def test_nothing_is_judged_before_every_partition_is_past_the_window(
    setup: tuple[AnomalyModel, WindowTable],
) -> None:
    model, table = setup
    step, first = int(STEP * US), int(table.times[0] * US)
    stream = [r for r in records(table) if r["window"] == "tumbling_5m"]
    early = [r for r in stream if r["window_start"] < first + 6 * step]
    state = DetectorState()
    accept(state, [r for r in early if r["partition"] == 0], model)
    state.progress["0:1"] = first  # partition 1 seen, not yet past anything
    assert close_windows(state, model, DetectorConfigLive(), version=1) == []
    assert state.closed_through is None
    accept(state, [r for r in early if r["partition"] == 1], model)
    close_windows(state, model, DetectorConfigLive(settle_windows=1), version=1)
    assert state.closed_through == first + 4 * step  # six windows in, one settling
    # a partition that stays far behind (gone idle) stops holding the others back
    later = [r for r in stream if first + 6 * step <= r["window_start"] < first + 30 * step]
    accept(state, [r for r in later if r["partition"] == 0], model)
    close_windows(state, model, DetectorConfigLive(settle_windows=1, stale_windows=12), version=1)
    assert state.closed_through == first + 28 * step


def test_a_windows_partition_read_to_its_end_first_changes_nothing(
    setup: tuple[AnomalyModel, WindowTable],
) -> None:
    model, table = setup
    stream = [r for r in records(table) if r["window"] == "tumbling_5m"]
    lanes = [0 if r["dimension"] == "all" else 1 for r in stream]  # as keys spread them
    in_order = DetectorState()
    accept(in_order, stream, model, lanes)
    expected = close_windows(in_order, model, DetectorConfigLive(), version=1)
    replay = DetectorState()
    first = [r for r, lane in zip(stream, lanes, strict=True) if lane == 0]
    second = [r for r, lane in zip(stream, lanes, strict=True) if lane == 1]
    accept(replay, first, model, [0] * len(first))
    assert close_windows(replay, model, DetectorConfigLive(), 1, partitions={0, 1}) == []
    accept(replay, second, model, [1] * len(second))
    assert close_windows(replay, model, DetectorConfigLive(), 1, partitions={0, 1}) == expected
    assert replay.closed_through == in_order.closed_through


def test_windows_partitions_read_at_random_paces_with_restarts_change_nothing(
    setup: tuple[AnomalyModel, WindowTable],
) -> None:
    model, table = setup
    stream = [r for r in records(table) if r["window"] == "tumbling_5m"]
    lanes = [zlib.crc32(f"{r['dimension']}|{r['value']}|{r['window_start']}".encode()) % 3
             for r in stream]  # fmt: skip
    oracle = DetectorState()
    accept(oracle, stream, model)
    expected = {r["alert_id"]: r for r in close_windows(oracle, model, DetectorConfigLive(), 1)}
    queues = {p: [(r, p) for r, lane in zip(stream, lanes, strict=True) if lane == p]
              for p in range(3)}  # fmt: skip
    rng, state, latest = np.random.default_rng(2), DetectorState(), {}
    while any(queues.values()):
        batch = []
        for p, queue in queues.items():
            take = int(rng.integers(0, 400))
            batch += queue[:take]
            queues[p] = queue[take:]
        accept(state, [r for r, _ in batch], model, [p for _, p in batch])
        for row in close_windows(state, model, DetectorConfigLive(), 1, partitions={0, 1, 2}):
            latest[row["alert_id"]] = row
        state = DetectorState.from_json(json.loads(json.dumps(state.to_json())))
    assert latest == expected
    # the tail waits until every partition has shown a later window
    assert 0 <= (oracle.closed_through or 0) - (state.closed_through or 0) <= 12 * STEP * US


def test_each_incident_counts_as_opened_once_and_each_window_as_judged_once(
    setup: tuple[AnomalyModel, WindowTable],
) -> None:
    """What the metrics are fed: incidents grow over several batches (and restarts from
    the checkpoint), yet each is opened once; the windows judged add up to the span."""
    model, table = setup
    stream = records(table)
    state, live = DetectorState(), DetectorConfigLive(settle_windows=1)
    opened: list[str] = []
    judged, rows_seen, first_form = 0, 0, {}
    for number, first in enumerate(range(0, len(stream), 97)):
        accept(state, stream[first : first + 97], model)
        before, count = state.closed_through, state.judged
        rows = close_windows(state, model, live, version=1)
        opened += opened_series(rows, before)
        judged += state.judged - count
        rows_seen += len(rows)
        for row in rows:
            first_form.setdefault(row["alert_id"], row)
        if number % 3 == 0:
            state = DetectorState.from_json(json.loads(json.dumps(state.to_json())))
    assert rows_seen > len(first_form), "no incident grew across batches"
    assert sorted(opened) == sorted(r["evidence"]["series"] for r in first_form.values())
    assert state.closed_through is not None
    assert judged == (state.closed_through / US - table.times[0]) // STEP + 1
    assert judged_through_s(state, model) == state.closed_through / US + STEP
    assert judged_through_s(DetectorState(), model) is None
