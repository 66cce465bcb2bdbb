"""The two detectors feed the metrics the ML dashboard reads: windows judged, incidents
opened by series, event time judged through; every loop publishes its model version."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

import orjson
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Engine

from eventtide.ml.behave import Behaved, BehaveReport, BehaveSteps
from eventtide.ml.behaviour_model import fit_with_short
from eventtide.ml.detector import Detected, DetectorReport, DetectorSteps
from eventtide.ml.detector_state import DetectorConfigLive
from eventtide.ml.history import EventLog
from eventtide.ml.metrics import declare_detector
from eventtide.ml.scorer import ModelHolder

pytestmark = pytest.mark.unit


def _value(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def _counted(name: str, **labels: str) -> float:
    return _value(name, **labels) or 0.0


def test_a_committed_metric_batch_counts_windows_incidents_and_event_time() -> None:
    steps = DetectorSteps(
        holder=cast("ModelHolder[Any]", None), engine=cast(Engine, None), group_id="g", topic="t",
        live=DetectorConfigLive(), report=DetectorReport(),
    )  # fmt: skip
    judged = _counted("eventtide_ml_windows_judged_total", detector="metric")
    events = _counted("eventtide_ml_incidents_opened_total", detector="metric", series="events")
    batch = Detected([], "{}", [], judged=4, opened=["events", "events", "conversion"],
                     through_s=1_736_000_000.0)  # fmt: skip

    steps.after_commit(batch, 0)

    assert _counted("eventtide_ml_windows_judged_total", detector="metric") == judged + 4
    labels = {"detector": "metric", "series": "events"}
    assert _counted("eventtide_ml_incidents_opened_total", **labels) == events + 2
    through = _value("eventtide_ml_judged_through_timestamp_seconds", detector="metric")
    assert through == 1_736_000_000.0
    # a batch that judged nothing yet leaves the time where it was
    steps.after_commit(Detected([], "{}", []), 0)
    assert _value("eventtide_ml_judged_through_timestamp_seconds", detector="metric") == through


def test_a_committed_behaviour_batch_counts_user_windows_and_episodes() -> None:
    hourly = SimpleNamespace(model=SimpleNamespace(model=SimpleNamespace(window_s=3_600.0)))
    steps = BehaveSteps(
        holder=cast("ModelHolder[Any]", hourly), engine=cast(Engine, None), group_id="g",
        topic="t", lateness_s=10.0, hop_s=3_600.0, report=BehaveReport(),
    )  # fmt: skip
    judged = _counted("eventtide_ml_windows_judged_total", detector="behaviour")
    labels = {"detector": "behaviour", "series": "behaviour"}
    opened = _counted("eventtide_ml_incidents_opened_total", **labels)

    steps.after_commit(Behaved([], {}, [], closed=120, through_s=1_736_000_500.0, opened=3), 0)

    assert _counted("eventtide_ml_windows_judged_total", detector="behaviour") == judged + 120
    assert _counted("eventtide_ml_incidents_opened_total", **labels) == opened + 3
    assert steps.report.windows_closed == 120


class _Message:
    """What the loop hands ``prepare``: a value and its position."""

    def __init__(self, value: bytes, offset: int) -> None:
        self._value, self._offset = value, offset

    def value(self) -> bytes:
        return self._value

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return self._offset

    def topic(self) -> str:
        return "t"


def test_a_behaviour_batch_counts_the_events_it_dropped_by_reason() -> None:
    """A retry is a repeat; an event for a window already closed is late; each batch
    counts its own, so restored totals are never counted again."""
    train = EventLog.from_rows(
        (f"u{u}", 3_600.0 * h + 60.0 * i, "page_view", 0.0)
        for u in range(8) for h in range(24) for i in range(u + 1)
    )  # fmt: skip
    served = SimpleNamespace(model=fit_with_short(train, 3_600.0, trees=10), version=1)
    holder = ModelHolder(cast(Engine, None), "behaviour", 1e9, served, lambda conn, name: served)
    steps = BehaveSteps(
        holder=cast("ModelHolder[Any]", holder), engine=cast(Engine, None), group_id="g",
        topic="t", lateness_s=10.0, hop_s=3_600.0, report=BehaveReport(),
    )  # fmt: skip

    def event(at: str, event_id: str) -> bytes:
        return orjson.dumps({"event_id": event_id, "event_type": "page_view", "user_id": "u",
                             "occurred_at": at})  # fmt: skip

    first, second, third = (str(uuid.uuid4()) for _ in range(3))
    batch = [
        event("2025-03-03T10:00:00Z", first),
        event("2025-03-03T10:00:00Z", first),  # a retry
        event("2025-03-03T11:30:00Z", second),  # closes 10:00-11:00
        event("2025-03-03T10:05:00Z", third),  # late
    ]
    reasons = {r: _counted("eventtide_ml_events_dropped_total", detector="behaviour", reason=r)
               for r in ("late", "repeat")}  # fmt: skip

    behaved = steps.prepare([_Message(v, i) for i, v in enumerate(batch)])
    steps.after_commit(behaved, 0)
    again = steps.prepare([_Message(event("2025-03-03T11:31:00Z", second), 4)])

    assert behaved.dropped == {"late": 1, "repeat": 1}
    assert again.dropped == {"late": 0, "repeat": 1}
    for reason in ("late", "repeat"):
        labels = {"detector": "behaviour", "reason": reason}
        assert _counted("eventtide_ml_events_dropped_total", **labels) == reasons[reason] + 1


def test_a_declared_detector_counts_from_zero() -> None:
    declare_detector("declared-test")
    assert _value("eventtide_ml_windows_judged_total", detector="declared-test") == 0


@dataclass(frozen=True)
class _Served:
    version: int


def test_the_model_in_service_publishes_its_version() -> None:
    ModelHolder(cast(Engine, None), "version-test", 10.0, _Served(7), lambda conn, name: _Served(8))
    assert _value("eventtide_ml_model_version", model="version-test") == 7
