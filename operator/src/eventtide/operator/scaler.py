"""One scaling round for one Pipeline: read lag, decide, apply, explain.

The I/O around the pure policy: lag through the shared Admin clients, the consumer
Deployment's replicas, the status patch and a Kubernetes Event per applied change.
Any failure to read lag becomes a hold (Degraded, replicas unchanged), never a scale.
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
    decide,
    hold,
)
from eventtide.operator.reconcile import ChildrenResult
from eventtide.operator.spec import PipelineSpec
from eventtide.operator.status import status_patch

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


def run_round(
    kube: Kube,
    admins: AdminPool,
    spec: PipelineSpec,
    owner: Any,
    state: PolicyState,
    children_result: ChildrenResult,
) -> tuple[Round, PolicyState]:
    """Read, decide, apply (unless dryRun) and write the status."""
    path = f"{deployments(spec.namespace)}/{children.consumer_name(spec)}"
    deployment = kube.get(path)
    current = int(deployment["spec"].get("replicas", 0)) if deployment else 0
    ready = int((deployment or {}).get("status", {}).get("readyReplicas", 0) or 0)
    try:
        reading = read_group(admins.get(spec.bootstrap_servers), spec.group_id, spec.topic)
    except LagReadError as error:
        admins.discard(spec.bootstrap_servers)
        decision = hold(current, str(error), time.monotonic())
    else:
        # Stamped when the read is done, not when it began: just after a broker restart
        # a read can take seconds, and a reading stamped early would age out of the
        # scale-down window that much sooner than the offsets it holds.
        now = time.monotonic()
        decision, state = decide(spec.scaling(), observation(reading, current, now), state)
    dry_run = spec.mode == "dryRun"
    applied = False
    if decision.changes and not dry_run and deployment is not None:
        kube.patch(path, {"spec": {"replicas": decision.desired}})
        applied = True
        reason = "ScaledUp" if decision.desired > decision.current else "ScaledDown"
        kopf.info(owner, reason=reason, message=decision.message)
    elif decision.changes and dry_run:
        kopf.info(owner, reason="DryRunDecision", message=decision.message)
    generation = int(owner["metadata"].get("generation", 0))
    existing = list(owner.get("status", {}).get("conditions", []) or [])
    status = status_patch(
        decision,
        existing_conditions=existing,
        generation=generation,
        now=datetime.now(UTC),
        ready_replicas=ready,
        children_ready=children_result.ready and deployment is not None,
        children_message=children_result.message
        if deployment is not None
        else "consumer Deployment missing",
        dry_run=dry_run,
        record_decision=True,
        topic_mode=children_result.topic_mode,
    )
    kube.patch(
        f"{custom(GROUP, VERSION, spec.namespace, PLURAL)}/{spec.name}/status", {"status": status}
    )
    record_round(spec.namespace, spec.name, decision, applied)
    return Round(decision, applied, deployment is not None), state
