"""One scaling round for one Pipeline: read lag, decide, apply, explain.

The I/O around the pure policy, for the consumer and (on its own group, with the same
policy) the processor: lag through the shared Admin clients, the Deployment's
replicas, the status patch and a Kubernetes Event per applied change. Any failure to
read lag becomes a hold (Degraded, replicas unchanged), never a scale.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import kopf

from eventtide.core.kafka.group_lag import AdminPool, LagReadError, read_group
from eventtide.core.lag import GroupReading
from eventtide.operator import children
from eventtide.operator.crd import GROUP, PLURAL, VERSION
from eventtide.operator.kube import Kube, custom, deployments
from eventtide.operator.metrics import record_round
from eventtide.operator.policy import (
    Decision,
    GroupState,
    Observation,
    PolicyState,
    ScalingConfig,
    decide,
    hold,
)
from eventtide.operator.reconcile import ChildrenResult
from eventtide.operator.spec import PipelineSpec
from eventtide.operator.status import processor_status, status_patch

_GROUP_STATES = {
    "Stable": GroupState.STABLE,
    "PreparingRebalance": GroupState.REBALANCING,
    "CompletingRebalance": GroupState.REBALANCING,
    "Empty": GroupState.EMPTY,
    "Dead": GroupState.DEAD,
}


def observation(reading: GroupReading, current: int, at: float) -> Observation:
    """The policy's view of a group reading."""
    return Observation(
        at=at,
        partitions=reading.partitions,
        group_state=_GROUP_STATES.get(reading.state, GroupState.UNKNOWN),
        current_replicas=current,
    )


@dataclass(frozen=True)
class Round:
    """What one round decided and whether it changed the Deployment."""

    decision: Decision
    applied: bool
    consumer_found: bool
    """False when the consumer Deployment is gone: the caller re-applies the children."""


@dataclass(frozen=True)
class Target:
    """One scaled workload: its Deployment, the group whose lag it works off, its policy."""

    label: str
    deployment: str
    group_id: str
    config: ScalingConfig


def consumer_target(spec: PipelineSpec) -> Target:
    """The storage consumer, on the Pipeline's consumer group."""
    return Target("consumer", children.consumer_name(spec), spec.group_id, spec.scaling())


def processor_target(spec: PipelineSpec) -> Target:
    """The processor, on its own group, with the same policy."""
    return Target(
        "processor",
        children.processor_name(spec),
        spec.processor_group_id,
        spec.scaling("processor"),
    )


@dataclass(frozen=True)
class Scaled:
    """A decision for one target, whether it was applied, and the Deployment's state."""

    decision: Decision
    applied: bool
    found: bool
    ready: int


def scale_target(
    kube: Kube,
    admins: AdminPool,
    spec: PipelineSpec,
    owner: Any,
    target: Target,
    state: PolicyState,
) -> tuple[Scaled, PolicyState]:
    """Read the target's group lag, decide with the shared policy, apply unless dryRun."""
    path = f"{deployments(spec.namespace)}/{target.deployment}"
    deployment = kube.get(path)
    current = int(deployment["spec"].get("replicas", 0)) if deployment else 0
    ready = int((deployment or {}).get("status", {}).get("readyReplicas", 0) or 0)
    try:
        reading = read_group(admins.get(spec.bootstrap_servers), target.group_id, spec.topic)
    except LagReadError as error:
        admins.discard(spec.bootstrap_servers)
        decision = hold(current, str(error), time.monotonic())
    else:
        # Stamped when the read is done, not when it began: just after a broker restart
        # a read can take seconds, and a reading stamped early would age out of the
        # scale-down window that much sooner than the offsets it holds.
        now = time.monotonic()
        decision, state = decide(target.config, observation(reading, current, now), state)
    dry_run = spec.mode == "dryRun"
    applied = False
    prefix = "" if target.label == "consumer" else f"{target.label}: "
    if decision.changes and not dry_run and deployment is not None:
        kube.patch(path, {"spec": {"replicas": decision.desired}})
        applied = True
        reason = "ScaledUp" if decision.desired > decision.current else "ScaledDown"
        kopf.info(owner, reason=reason, message=prefix + decision.message)
    elif decision.changes and dry_run:
        kopf.info(owner, reason="DryRunDecision", message=prefix + decision.message)
    return Scaled(decision, applied, deployment is not None, ready), state


def run_round(
    kube: Kube,
    admins: AdminPool,
    spec: PipelineSpec,
    owner: Any,
    state: PolicyState,
    children_result: ChildrenResult,
) -> tuple[Round, PolicyState]:
    """Read, decide, apply (unless dryRun) and write the status, for the consumer."""
    scaled, state = scale_target(kube, admins, spec, owner, consumer_target(spec), state)
    decision = scaled.decision
    dry_run = spec.mode == "dryRun"
    generation = int(owner["metadata"].get("generation", 0))
    existing = list(owner.get("status", {}).get("conditions", []) or [])
    status = status_patch(
        decision,
        existing_conditions=existing,
        generation=generation,
        now=datetime.now(UTC),
        ready_replicas=scaled.ready,
        children_ready=children_result.ready and scaled.found,
        children_message=children_result.message if scaled.found else "consumer Deployment missing",
        dry_run=dry_run,
        record_decision=True,
        topic_mode=children_result.topic_mode,
    )
    _patch_status(kube, spec, status)
    record_round(spec.namespace, spec.name, decision, scaled.applied)
    return Round(decision, scaled.applied, scaled.found), state


def run_processor_round(
    kube: Kube, admins: AdminPool, spec: PipelineSpec, owner: Any, state: PolicyState
) -> tuple[Round, PolicyState]:
    """The processor's round: its own group's lag, the same policy, ``status.processor``."""
    if not spec.processor_enabled:
        if owner.get("status", {}).get("processor") is not None:
            _patch_status(kube, spec, {"processor": None})
        return Round(hold(0, "processor disabled", time.monotonic()), False, True), state
    scaled, state = scale_target(kube, admins, spec, owner, processor_target(spec), state)
    block = processor_status(
        scaled.decision,
        ready_replicas=scaled.ready,
        dry_run=spec.mode == "dryRun",
        now=datetime.now(UTC),
    )
    _patch_status(kube, spec, {"processor": block})
    return Round(scaled.decision, scaled.applied, scaled.found), state


def _patch_status(kube: Kube, spec: PipelineSpec, status: dict[str, Any]) -> None:
    kube.patch(
        f"{custom(GROUP, VERSION, spec.namespace, PLURAL)}/{spec.name}/status", {"status": status}
    )
