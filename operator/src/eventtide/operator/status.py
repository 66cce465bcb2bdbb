"""The Pipeline's status, built from a decision and what was observed. Pure.

Conditions follow the Kubernetes conventions: keyed by type, ``lastTransitionTime``
changes only when ``status`` changes, and each carries ``observedGeneration``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventtide.operator.policy import Decision, Rule

READY = "Ready"
SCALING = "Scaling"
DEGRADED = "Degraded"


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC, seconds precision, as Kubernetes writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Condition:
    """One condition as we want it now."""

    type: str
    status: bool
    reason: str
    message: str


def merge_conditions(
    existing: Sequence[dict[str, Any]],
    wanted: Sequence[Condition],
    generation: int,
    now: datetime,
) -> list[dict[str, Any]]:
    """The new conditions list; transition times kept unless the status flipped."""
    by_type = {item.get("type"): item for item in existing}
    merged = []
    for condition in wanted:
        status = "True" if condition.status else "False"
        before = by_type.get(condition.type)
        if before is None or before.get("status") != status:
            transition = timestamp(now)
        else:
            transition = str(before.get("lastTransitionTime", timestamp(now)))
        merged.append(
            {
                "type": condition.type,
                "status": status,
                "reason": condition.reason,
                "message": condition.message,
                "lastTransitionTime": transition,
                "observedGeneration": generation,
            }
        )
    return merged


def conditions_for(
    decision: Decision, *, children_ready: bool, children_message: str, dry_run: bool
) -> list[Condition]:
    """Ready, Scaling and Degraded for a decision."""
    unreadable = decision.rule is Rule.LAG_UNAVAILABLE
    degraded = unreadable or bool(decision.stuck)
    if unreadable:
        degraded_reason, degraded_message = "LagUnavailable", decision.message
    elif decision.stuck:
        degraded_reason = "StuckPartitions"
        degraded_message = (
            f"partitions {list(decision.stuck)} keep lag but their committed offsets do not "
            "move (poison message or stuck consumer); they are not scaled on"
        )
    else:
        degraded_reason, degraded_message = "AsExpected", "lag is readable and progressing"
    ready = children_ready and not unreadable
    if not children_ready:
        ready_reason, ready_message = "ChildrenPending", children_message
    elif unreadable:
        ready_reason, ready_message = "LagUnavailable", "children exist; lag cannot be read"
    else:
        ready_reason, ready_message = "Reconciled", children_message
    if decision.desired > decision.current:
        scaling = Condition(
            SCALING, True, "DryRunScaleUp" if dry_run else "ScalingUp", decision.message
        )
    elif decision.desired < decision.current:
        scaling = Condition(
            SCALING, True, "DryRunScaleDown" if dry_run else "ScalingDown", decision.message
        )
    else:
        scaling = Condition(SCALING, False, _camel(decision.rule), decision.message)
    return [
        Condition(READY, ready, ready_reason, ready_message),
        scaling,
        Condition(DEGRADED, degraded, degraded_reason, degraded_message),
    ]


def _camel(rule: Rule) -> str:
    """A rule name as a one-word CamelCase reason."""
    text = str(rule)
    return text[:1].upper() + text[1:]


def decision_record(decision: Decision, now: datetime, *, applied: bool) -> dict[str, Any]:
    """``status.lastScaleDecision``: inputs, the limiting rule and the time."""
    return {
        "time": timestamp(now),
        "from": decision.current,
        "to": decision.desired,
        "recommended": decision.recommended,
        "rule": str(decision.rule),
        "message": decision.message,
        "applied": applied,
        "inputs": decision.inputs(),
    }


def status_patch(
    decision: Decision,
    *,
    existing_conditions: Sequence[dict[str, Any]],
    generation: int,
    now: datetime,
    ready_replicas: int,
    children_ready: bool,
    children_message: str,
    dry_run: bool,
    record_decision: bool,
    topic_mode: str,
) -> dict[str, Any]:
    """The whole ``status`` to merge-patch onto the Pipeline."""
    wanted = conditions_for(
        decision, children_ready=children_ready, children_message=children_message, dry_run=dry_run
    )
    status: dict[str, Any] = {
        "observedGeneration": generation,
        "conditions": merge_conditions(existing_conditions, wanted, generation, now),
        "replicas": decision.current if dry_run or not decision.changes else decision.desired,
        "readyReplicas": ready_replicas,
        "desiredReplicas": decision.desired,
        "stuckPartitions": list(decision.stuck),
        "topic": topic_mode,
    }
    if decision.rule is not Rule.LAG_UNAVAILABLE:
        status["lag"] = decision.total_lag
        status["topPartitions"] = [
            {"partition": item.partition, "lag": item.lag} for item in decision.top
        ]
    if record_decision:
        status["lastScaleDecision"] = decision_record(decision, now, applied=not dry_run)
    return status


def processor_status(
    decision: Decision, *, ready_replicas: int, dry_run: bool, now: datetime
) -> dict[str, Any]:
    """``status.processor``: the processor's own lag, replicas and latest decision.

    Its conditions stay the Pipeline's (Ready covers every child); this block answers
    "is the processor keeping up" next to the consumer's figures.
    """
    status: dict[str, Any] = {
        "replicas": decision.current if dry_run or not decision.changes else decision.desired,
        "readyReplicas": ready_replicas,
        "desiredReplicas": decision.desired,
        "lastScaleDecision": decision_record(decision, now, applied=not dry_run),
    }
    if decision.rule is not Rule.LAG_UNAVAILABLE:
        status["lag"] = decision.total_lag
    return status
