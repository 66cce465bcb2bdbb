"""A discrete-time simulation of a consumer group under an autoscaler.

Why simulate: comparing scaling rules on a real cluster takes hours per curve and is
noisy; the quantities that matter (lag per partition, per-replica throughput, the pause
every rebalance causes, offsets committed every few seconds) are simple to model, and the
same model runs both rules on exactly the same load.

Model, per one-second tick: events arrive per partition; each replica consumes up to its
throughput, shared over its partitions with backlog; consumers commit their positions
every ``commit_interval_s``; the autoscaler sees only committed offsets, every ``poll_s``
from ``poll_offset_s`` on, after the second's arrivals and before they are consumed
(so a group that keeps up still shows the batch in flight), and its decision takes
effect at once. Two worlds:

* eager (``cooperative=False``): replicas own partitions round-robin, and any change of
  the replica count stops the whole group for the rebalance pause (the classic protocol);
* cooperative-sticky (``cooperative=True``): a change moves as few partitions as balance
  allows (every replica ends with the floor or ceiling of partitions / replicas), and
  only the moved partitions pause; the others go on consuming. This is the consumer
  eventtide ships, which commits after every batch (``commit_interval_s`` of 1).

Equal work: when the scenario's load ends, arrivals stop and the run goes on, the
autoscaler still in charge, until every event that arrived is consumed (or as long
again as the scenario, at most). Replica-seconds then price the same work for every
rule; counted at a fixed end instead, a rule that falls behind and never catches up
would look cheap by leaving its backlog unprocessed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bench.autoscaling.scenarios import Scenario
from eventtide.operator.lag import PartitionOffsets
from eventtide.operator.policy import GroupState, Observation

_DRAINED = 1.0
"""Less than one event of lag left: the drain phase is over."""

Autoscaler = Callable[[Observation], int]
"""Takes what the operator would read and returns the replicas to run."""


@dataclass(frozen=True)
class World:
    """The fixed physics of the simulated deployment."""

    partitions: int = 12
    throughput_per_replica: float = 1000.0
    rebalance_pause_s: float = 10.0
    commit_interval_s: float = 5.0
    initial_replicas: int = 2
    cooperative: bool = False
    """Cooperative-sticky rebalancing: only moved partitions pause."""


@dataclass(frozen=True)
class Outcome:
    """What one autoscaler achieved on one scenario."""

    peak_lag: float
    time_to_drain_s: float
    replica_seconds: float
    scale_changes: int
    mean_lag: float
    final_lag: float = 0.0
    """Lag left when the run ends: non-zero only if the drain phase hit its limit."""
    replica_seconds_under_load: float = 0.0
    """Replica-seconds while the scenario's load lasted, without the drain phase."""
    lag_when_load_ended: float = 0.0
    """The backlog the drain phase started with."""


def round_robin(partitions: int, replicas: int) -> list[int]:
    """The owner of each partition under the round-robin (or range on one topic) assignor."""
    return [p % replicas if replicas > 0 else -1 for p in range(partitions)]


def sticky(owners: Sequence[int], replicas: int) -> list[int]:
    """A balanced assignment to ``replicas`` that moves as few partitions as it can.

    As the cooperative-sticky assignor does: every replica ends with the floor or the
    ceiling of partitions / replicas; a replica keeps what it owned up to that quota, the
    replicas that owned most get the ceilings, and only the rest moves.
    """
    count = len(owners)
    if replicas <= 0:
        return [-1] * count
    quota, extra = divmod(count, replicas)
    held = {r: [p for p in range(count) if owners[p] == r] for r in range(replicas)}
    order = sorted(range(replicas), key=lambda r: (-len(held[r]), r))
    limit = {r: quota + (1 if i < extra else 0) for i, r in enumerate(order)}
    new = [-1] * count
    for r in range(replicas):
        for p in held[r][: limit[r]]:
            new[p] = r
    free = [p for p in range(count) if new[p] < 0]
    for r in order:
        while sum(1 for owner in new if owner == r) < limit[r] and free:
            new[free.pop(0)] = r
    return new


def _consume(world: World, owners: Sequence[int], backlog: list[float]) -> list[float]:
    """Events taken from each partition this tick (work-conserving within a replica)."""
    taken = [0.0] * len(backlog)
    for replica in sorted({owner for owner in owners if owner >= 0}):
        owned = [p for p, owner in enumerate(owners) if owner == replica]
        budget = world.throughput_per_replica
        while budget > 1e-9:
            open_ = [p for p in owned if backlog[p] - taken[p] > 1e-9]
            if not open_:
                break
            share = budget / len(open_)
            for p in open_:
                grab = min(share, backlog[p] - taken[p])
                taken[p] += grab
                budget -= grab
    return taken


def simulate(
    world: World,
    scenario: Scenario,
    autoscaler: Autoscaler,
    poll_s: float,
    poll_offset_s: float = 0.0,
) -> Outcome:
    """Run ``autoscaler`` over ``scenario`` and measure lag, replicas and changes.

    ``poll_offset_s`` is the phase of the autoscaler's first reading: a controller's
    period is not locked to the consumers' commit cycle.
    """
    count = world.partitions
    ends = [0.0] * count
    positions = [0.0] * count
    committed = [0] * count
    replicas = world.initial_replicas
    owners = round_robin(count, replicas)
    paused_until = [-1.0] * count
    next_poll = poll_offset_s
    next_commit = world.commit_interval_s
    lags: list[float] = []
    replica_seconds = 0.0
    changes = 0
    under_load = lag_when_load_ended = 0.0
    for tick in range(2 * scenario.duration_s):
        now = float(tick)
        if tick == scenario.duration_s:
            under_load, lag_when_load_ended = replica_seconds, lags[-1]
        if tick >= scenario.duration_s and lags[-1] < _DRAINED:
            break
        rate = scenario.rate(now) if tick < scenario.duration_s else 0.0
        for p in range(count):
            ends[p] += rate * scenario.weights[p]
        if now >= next_poll:
            observation = Observation(
                at=now,
                partitions=tuple(
                    PartitionOffsets(p, math.floor(ends[p]), committed[p]) for p in range(count)
                ),
                group_state=(
                    GroupState.REBALANCING if now < max(paused_until) else GroupState.STABLE
                ),
                current_replicas=replicas,
            )
            wanted = autoscaler(observation)
            if wanted != replicas:
                replicas = wanted
                changes += 1
                pause = now + world.rebalance_pause_s
                if world.cooperative:
                    moved = sticky(owners, replicas)
                    for p in range(count):
                        if moved[p] != owners[p]:
                            paused_until[p] = pause
                    owners = moved
                else:
                    owners = round_robin(count, replicas)
                    paused_until = [pause] * count
            next_poll += poll_s
        active = [owner if now >= paused_until[p] else -1 for p, owner in enumerate(owners)]
        backlog = [ends[p] - positions[p] for p in range(count)]
        for p, taken in enumerate(_consume(world, active, backlog)):
            positions[p] += taken
        if now >= next_commit:
            committed = [math.floor(position) for position in positions]
            next_commit = now + world.commit_interval_s
        lags.append(sum(ends) - sum(positions))
        replica_seconds += replicas
    return replace(
        _outcome(lags, replica_seconds, changes, world),
        replica_seconds_under_load=under_load,
        lag_when_load_ended=lag_when_load_ended,
    )


def _outcome(lags: list[float], replica_seconds: float, changes: int, world: World) -> Outcome:
    """Peak lag, and the longest stretch with more than a second of one replica's work queued.

    The longest backlog episode, not "from the peak until drained": a rule that never
    catches up has its peak at the very end, which would read as a drain time of zero.
    """
    level = world.throughput_per_replica
    longest = current = 0
    for lag in lags:
        current = current + 1 if lag > level else 0
        longest = max(longest, current)
    return Outcome(
        peak_lag=max(lags),
        time_to_drain_s=float(longest),
        replica_seconds=replica_seconds,
        scale_changes=changes,
        mean_lag=sum(lags) / len(lags),
        final_lag=lags[-1],
    )
