"""Status and conditions built from decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eventtide.operator.policy import Decision, Rule, hold
from eventtide.operator.status import (
    Condition,
    merge_conditions,
    processor_status,
    status_patch,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def scale_up() -> Decision:
    return Decision(
        at=1.0,
        current=1,
        desired=4,
        recommended=4,
        rule=Rule.PARTITION_COUNT,
        message="scale up 1 -> 4 (partitionCount)",
        total_lag=2000,
        raw_lag=2000,
    )


def test_transition_time_moves_only_when_status_flips():
    earlier = NOW - timedelta(minutes=5)
    existing = [
        {"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-02T02:59:05Z"},
        {"type": "Degraded", "status": "False", "lastTransitionTime": "2026-01-02T02:59:05Z"},
    ]
    merged = merge_conditions(
        existing,
        [Condition("Ready", True, "Reconciled", "ok"), Condition("Degraded", True, "X", "y")],
        generation=3,
        now=NOW,
    )
    assert merged[0]["lastTransitionTime"] == "2026-01-02T02:59:05Z"
    assert merged[1]["lastTransitionTime"] == "2026-01-02T03:04:05Z"
    assert all(item["observedGeneration"] == 3 for item in merged)
    assert earlier < NOW


def test_scale_up_status():
    status = status_patch(
        scale_up(),
        existing_conditions=[],
        generation=2,
        now=NOW,
        ready_replicas=1,
        children_ready=True,
        children_message="ok",
        dry_run=False,
        record_decision=True,
        topic_mode="AdminAPI",
    )
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Ready"]["status"] == "True"
    assert (conditions["Scaling"]["status"], conditions["Scaling"]["reason"]) == (
        "True",
        "ScalingUp",
    )
    assert conditions["Degraded"]["status"] == "False"
    assert (status["replicas"], status["desiredReplicas"], status["lag"]) == (4, 4, 2000)
    decision = status["lastScaleDecision"]
    assert (decision["from"], decision["to"], decision["rule"]) == (1, 4, "partitionCount")
    assert decision["time"] == "2026-01-02T03:04:05Z"
    assert decision["inputs"]["totalLag"] == 2000


def test_dry_run_records_without_applying():
    status = status_patch(
        scale_up(),
        existing_conditions=[],
        generation=1,
        now=NOW,
        ready_replicas=1,
        children_ready=True,
        children_message="ok",
        dry_run=True,
        record_decision=True,
        topic_mode="AdminAPI",
    )
    assert (status["replicas"], status["desiredReplicas"]) == (1, 4)
    assert status["lastScaleDecision"]["applied"] is False
    scaling = next(c for c in status["conditions"] if c["type"] == "Scaling")
    assert scaling["reason"] == "DryRunScaleUp"


def test_unreadable_lag_is_degraded_and_keeps_replicas_and_last_lag():
    status = status_patch(
        hold(3, "broker down", 5.0),
        existing_conditions=[],
        generation=1,
        now=NOW,
        ready_replicas=3,
        children_ready=True,
        children_message="ok",
        dry_run=False,
        record_decision=True,
        topic_mode="AdminAPI",
    )
    conditions = {c["type"]: c for c in status["conditions"]}
    assert (conditions["Degraded"]["status"], conditions["Degraded"]["reason"]) == (
        "True",
        "LagUnavailable",
    )
    assert conditions["Ready"]["status"] == "False"
    assert (status["replicas"], status["desiredReplicas"]) == (3, 3)
    assert "lag" not in status  # the last known lag stays; no made-up zero


def test_processor_status_reports_its_own_lag_and_decision():
    block = processor_status(scale_up(), ready_replicas=1, dry_run=False, now=NOW)
    assert block["lag"] == 2000
    assert (block["replicas"], block["desiredReplicas"], block["readyReplicas"]) == (4, 4, 1)
    assert block["lastScaleDecision"]["rule"] == str(Rule.PARTITION_COUNT)
    dry = processor_status(scale_up(), ready_replicas=1, dry_run=True, now=NOW)
    assert dry["replicas"] == 1
    unreadable = processor_status(
        hold(2, "broker down", 1.0), ready_replicas=2, dry_run=False, now=NOW
    )
    assert "lag" not in unreadable
    assert unreadable["replicas"] == 2
