"""Autoscaling: our lag policy against KEDA's Kafka rule, on a simulated consumer group.

Both autoscalers run on the same simulated world and load curves (step, spike, diurnal,
hot partition); see :mod:`bench.autoscaling.simulator` for the model. Each run varies the
rebalance pause (the cost of a scale change), so the medians are over different
physics, not repeats of one deterministic number. Goal per scenario: lower peak lag and
fewer scale changes than KEDA at no more replica-seconds, for the same work: each run
goes on after the load ends until the backlog is consumed (see the simulator).
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from dataclasses import replace

from bench.autoscaling.keda import HPA_SYNC_S, KedaRule
from bench.autoscaling.ours import OurPolicy
from bench.autoscaling.scenarios import Scenario, scenarios
from bench.autoscaling.simulator import Outcome, World, simulate
from bench.harness import Comparison, Series, parse_args, repeat, report
from eventtide.operator.policy import ScalingConfig

PAUSES_S = (10.0, 6.0, 15.0, 8.0, 12.0)
"""Rebalance pause per run: eager rebalancing of a small group takes seconds."""
LAG_THRESHOLD = 5000
"""The same lagThreshold for both: five seconds of one replica's work."""
MIN_REPLICAS = 1
OUR_POLL_S = 3.0


def ours_config(world: World) -> ScalingConfig:
    """Our policy with the CRD's defaults, on the scenario's topic."""
    return ScalingConfig(
        partitions=world.partitions,
        min_replicas=MIN_REPLICAS,
        max_replicas=world.partitions,
        lag_threshold=LAG_THRESHOLD,
        partition_aligned=True,
    )


def run_pair(world: World, scenario: Scenario) -> tuple[Outcome, Outcome]:
    """(ours, KEDA) on one scenario."""
    ours = simulate(world, scenario, OurPolicy(ours_config(world)), OUR_POLL_S)
    keda_rule = KedaRule(world.partitions, MIN_REPLICAS, world.partitions, LAG_THRESHOLD)
    keda = simulate(world, scenario, keda_rule, HPA_SYNC_S)
    return ours, keda


METRICS = (
    ("peak lag", "events", "peak_lag"),
    ("scale changes", "changes", "scale_changes"),
    ("replica-seconds", "replica-s", "replica_seconds"),
    ("longest backlog", "s", "time_to_drain_s"),
)


LEFT_AT_END = "final_lag"
"""Reported, not compared (a median of zero cannot be a ratio): what is still queued
when the drain phase hits its limit."""
REPORTED = (LEFT_AT_END, "lag_when_load_ended", "replica_seconds_under_load")
"""Figures reported per rule next to the comparisons, for the record."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run every scenario for both autoscalers and report the comparison."""
    args = parse_args(__doc__ or "", argv)
    base = World()
    comparisons: list[Comparison] = []
    goals_met: dict[str, bool] = {}
    reported: dict[str, dict[str, dict[str, float]]] = {}
    for scenario in scenarios(base.partitions, base.throughput_per_replica, quick=args.quick):

        def once(index: int, scenario: Scenario = scenario) -> dict[str, float]:
            world = replace(base, rebalance_pause_s=PAUSES_S[index % len(PAUSES_S)])
            ours, keda = run_pair(world, scenario)
            figures = {}
            for key in (*(key for _, _, key in METRICS), *REPORTED):
                figures[f"ours_{key}"] = float(getattr(ours, key))
                figures[f"keda_{key}"] = float(getattr(keda, key))
            return figures

        results = repeat(args.runs, scenario.name, once)
        reported[scenario.name] = {
            key: {
                who: round(statistics.median(r[f"{who}_{key}"] for r in results))
                for who in ("ours", "keda")
            }
            for key in REPORTED
        }
        for metric, unit, key in METRICS:
            comparisons.append(
                Comparison(
                    metric=f"{scenario.name}: {metric}",
                    ours=Series("ours", unit, [r[f"ours_{key}"] for r in results], False),
                    peer=Series("KEDA", unit, [r[f"keda_{key}"] for r in results], False),
                    goal_ratio=None if key == "time_to_drain_s" else 1.0,
                )
            )
        scenario_rows = comparisons[-len(METRICS) :]
        peak, changes, seconds = scenario_rows[0], scenario_rows[1], scenario_rows[2]
        goals_met[scenario.name] = (
            peak.ours.median < peak.peer.median
            and changes.ours.median < changes.peer.median
            and seconds.ours.median <= seconds.peer.median
        )
    report(
        "autoscaling",
        comparisons,
        quick=args.quick,
        parameters={
            "partitions": base.partitions,
            "throughput_per_replica": base.throughput_per_replica,
            "commit_interval_s": base.commit_interval_s,
            "rebalance_pause_s": list(PAUSES_S[: args.runs]),
            "lag_threshold": LAG_THRESHOLD,
            "min_replicas": MIN_REPLICAS,
            "max_replicas": base.partitions,
            "our_poll_s": OUR_POLL_S,
            "keda_hpa_sync_s": HPA_SYNC_S,
        },
        notes={"goals_met": goals_met, "medians_by_scenario": reported},
    )
    for name, figures in reported.items():
        for key, medians in figures.items():
            print(f"[bench] {name}: {key}: ours {medians['ours']:,}, KEDA {medians['keda']:,}")
    missed = [name for name, met in goals_met.items() if not met]
    if missed:
        # Reported, not fatal: the figures are the result; the JSON records the goals.
        print(f"[bench] goal missed on: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
