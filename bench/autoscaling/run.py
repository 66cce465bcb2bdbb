"""Autoscaling: our lag policy against KEDA's Kafka scaler, tuned as a careful user would.

Every autoscaler runs on the same simulated consumer group and load curves (step, spike,
diurnal, hot partition; see :mod:`bench.autoscaling.simulator`), in two worlds:

* ``eager``: every change stops the whole group for 6-15 s; offsets committed every 5 s;
* ``cooperative``: cooperative-sticky rebalancing, only moved partitions pause 1-5 s;
  offsets committed after every batch (every second), as eventtide's consumer does.

KEDA gets ``ensureEvenDistributionOfPartitions`` (ours runs partition-aligned) and a sweep
of ``lagThreshold`` around commit interval x per-replica throughput x target utilisation;
its best setting per scenario and world is the one with the smallest sum of its peak lag,
scale changes and replica-seconds, each divided by the best of the sweep on that metric.
Ours runs one setting per world (the sweep's centre as ``lagThreshold``), polling every
3 s (its default) and every 15 s (the HPA's period). Each run varies the pause and the
phase of every controller's poll, so the medians are over different physics, not repeats
of one number. Goal per scenario and world: fewer scale changes and lower peak lag than
KEDA's best at no more replica-seconds, for the same work (each run goes on after the
load ends until the backlog is consumed).
"""

from __future__ import annotations

import random
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.autoscaling.keda import HPA_SYNC_S, KedaRule
from bench.autoscaling.ours import OurPolicy
from bench.autoscaling.scenarios import Scenario, scenarios
from bench.autoscaling.simulator import Outcome, World, simulate
from bench.harness import Comparison, Series, parse_args, report
from eventtide.operator.policy import TARGET_UTILIZATION, ScalingConfig

MIN_REPLICAS = 1
OUR_POLL_S = 3.0
"""The CRD's default ``pollIntervalSeconds``."""
OUR_POLLS_S = (OUR_POLL_S, HPA_SYNC_S)
THRESHOLD_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0)
QUICK_FACTORS = (0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Setting:
    """One world: its physics and the pause of each run."""

    name: str
    world: World
    pauses_s: tuple[float, ...]

    @property
    def base_threshold(self) -> int:
        """Commit interval x per-replica throughput x target utilisation: the lag a
        replica busy at the target carries between two commits."""
        world = self.world
        return round(world.commit_interval_s * world.throughput_per_replica * TARGET_UTILIZATION)


WORLDS = (
    Setting("eager", World(commit_interval_s=5.0), (10.0, 6.0, 15.0, 8.0, 12.0)),
    Setting(
        "cooperative",
        World(commit_interval_s=1.0, cooperative=True),
        (3.0, 1.0, 5.0, 2.0, 4.0),
    ),
)
METRICS = (
    ("peak lag", "events", "peak_lag"),
    ("scale changes", "changes", "scale_changes"),
    ("replica-seconds", "replica-s", "replica_seconds"),
    ("longest backlog", "s", "time_to_drain_s"),
)
KEYS = tuple(key for _, _, key in METRICS)
GOAL_KEYS = ("peak_lag", "scale_changes", "replica_seconds")


def ours_config(world: World, lag_threshold: int | None = None) -> ScalingConfig:
    """Our policy with the CRD's defaults, partition-aligned, on the world's topic."""
    return ScalingConfig(
        partitions=world.partitions,
        min_replicas=MIN_REPLICAS,
        max_replicas=world.partitions,
        lag_threshold=lag_threshold or world_threshold(world),
        partition_aligned=True,
    )


def world_threshold(world: World) -> int:
    """The sweep's centre for ``world``."""
    return round(world.commit_interval_s * world.throughput_per_replica * TARGET_UTILIZATION)


def contenders(setting: Setting, factors: Sequence[float]) -> list[str]:
    """Names of every autoscaler run in ``setting``: ours per poll, KEDA per threshold."""
    ours = [f"ours {poll:g}s" for poll in OUR_POLLS_S]
    keda = [f"KEDA {round(setting.base_threshold * f)}" for f in factors]
    return ours + keda


def run_once(
    setting: Setting, scenario: Scenario, factors: Sequence[float], index: int
) -> dict[str, Outcome]:
    """Every contender on one run of ``scenario`` (pause and poll phases by ``index``)."""
    world = replace(
        setting.world, rebalance_pause_s=setting.pauses_s[index % len(setting.pauses_s)]
    )
    phases = random.Random(f"{setting.name}/{scenario.name}/{index}")
    outcomes: dict[str, Outcome] = {}
    for poll in OUR_POLLS_S:
        policy = OurPolicy(ours_config(world))
        offset = phases.uniform(0, poll)
        outcomes[f"ours {poll:g}s"] = simulate(world, scenario, policy, poll, offset)
    for factor in factors:
        threshold = round(setting.base_threshold * factor)
        rule = KedaRule(world.partitions, MIN_REPLICAS, world.partitions, threshold, True)
        offset = phases.uniform(0, HPA_SYNC_S)
        outcomes[f"KEDA {threshold}"] = simulate(world, scenario, rule, HPA_SYNC_S, offset)
    return outcomes


def best_keda(medians: dict[str, dict[str, float]]) -> str:
    """KEDA's best setting, chosen without looking at ours: the smallest sum of its peak
    lag, scale changes and replica-seconds, each divided by the best of the sweep on that
    metric (a balanced pick; every other setting is in the table as a frontier point)."""
    keda = {name: row for name, row in medians.items() if name.startswith("KEDA")}
    floor = {key: max(min(row[key] for row in keda.values()), 1.0) for key in GOAL_KEYS}
    return min(keda, key=lambda name: sum(keda[name][k] / floor[k] for k in GOAL_KEYS))


def dominating(medians: dict[str, dict[str, float]], ours: str) -> list[str]:
    """KEDA settings at least as good as ``ours`` on both peak lag and replica-seconds."""
    mine = medians[ours]
    return [
        name
        for name, row in medians.items()
        if name.startswith("KEDA")
        and row["peak_lag"] <= mine["peak_lag"]
        and row["replica_seconds"] <= mine["replica_seconds"]
    ]


def goals(ours: dict[str, float], peer: dict[str, float]) -> dict[str, bool]:
    """Which of the three goals ``ours`` meets against ``peer``."""
    return {
        "fewer scale changes": ours["scale_changes"] < peer["scale_changes"],
        "lower peak lag": ours["peak_lag"] < peer["peak_lag"],
        "no more replica-seconds": ours["replica_seconds"] <= peer["replica_seconds"],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run every scenario in both worlds for every contender; print the full table."""
    args = parse_args(__doc__ or "", argv)
    factors = QUICK_FACTORS if args.quick else THRESHOLD_FACTORS
    base = World()
    comparisons: list[Comparison] = []
    table: dict[str, dict[str, Any]] = {}
    for scenario in scenarios(base.partitions, base.throughput_per_replica, quick=args.quick):
        for setting in WORLDS:
            runs = [run_once(setting, scenario, factors, i) for i in range(args.runs)]
            names = contenders(setting, factors)
            values = {n: {k: [float(getattr(r[n], k)) for r in runs] for k in KEYS} for n in names}
            medians = {n: {k: statistics.median(v) for k, v in values[n].items()} for n in names}
            label = f"{scenario.name}/{setting.name}"
            ours_names = [name for name in names if name.startswith("ours")]
            best_for = {name: best_keda(medians) for name in ours_names}
            table[label] = {
                "medians": medians,
                "keda_best": best_for,
                "goals": {
                    name: goals(medians[name], medians[best_for[name]]) for name in ours_names
                },
                "dominated_by": {name: dominating(medians, name) for name in ours_names},
            }
            best = best_for[f"ours {OUR_POLL_S:g}s"]
            print(f"[bench] {label}: {args.runs} run(s) done", flush=True)
            ours_name = f"ours {OUR_POLL_S:g}s"
            for metric, unit, key in METRICS:
                if medians[ours_name][key] <= 0 or medians[best][key] <= 0:
                    continue  # a ratio of a zero median means nothing; the table has it
                comparisons.append(
                    Comparison(
                        metric=f"{label}: {metric} (vs {best})",
                        ours=Series(ours_name, unit, values[ours_name][key], False),
                        peer=Series(best, unit, values[best][key], False),
                        goal_ratio=None if key == "time_to_drain_s" else 1.0,
                    )
                )
    print_table(table)
    report(
        "autoscaling",
        comparisons,
        quick=args.quick,
        parameters={
            "partitions": base.partitions,
            "throughput_per_replica": base.throughput_per_replica,
            "worlds": {
                s.name: {
                    "commit_interval_s": s.world.commit_interval_s,
                    "cooperative": s.world.cooperative,
                    "rebalance_pause_s": list(s.pauses_s[: args.runs]),
                    "keda_lag_thresholds": [round(s.base_threshold * f) for f in factors],
                    "our_lag_threshold": s.base_threshold,
                }
                for s in WORLDS
            },
            "keda_ensure_even_distribution": True,
            "min_replicas": MIN_REPLICAS,
            "max_replicas": base.partitions,
            "our_polls_s": list(OUR_POLLS_S),
            "keda_hpa_sync_s": HPA_SYNC_S,
        },
        notes={"table": table},
    )
    return 0


def print_table(table: dict[str, dict[str, Any]]) -> None:
    """Scenario x world x contender, medians; per ours, the goals against KEDA's best and
    any KEDA setting as good on both peak lag and replica-seconds (ours off the frontier)."""
    out = Table(title="autoscaling: medians per scenario, world and setting", title_justify="left")
    left = {"scenario/world", "autoscaler", "against KEDA's best"}
    columns = ("scenario/world", "autoscaler", "peak lag", "changes", "replica-s", "backlog s")
    for column in (*columns, "against KEDA's best"):
        out.add_column(column, justify="left" if column in left else "right")
    for label, entry in table.items():
        for name, row in entry["medians"].items():
            marks = ""
            if name in entry["goals"]:
                met = entry["goals"][name]
                missed = [goal for goal, ok in met.items() if not ok]
                marks = f"vs {entry['keda_best'][name]}: "
                marks += "all three met" if not missed else "missed " + ", ".join(missed)
                if entry["dominated_by"][name]:
                    marks += "; as good on lag and cost: " + ", ".join(entry["dominated_by"][name])
            out.add_row(
                label,
                name,
                f"{row['peak_lag']:,.0f}",
                f"{row['scale_changes']:g}",
                f"{row['replica_seconds']:,.0f}",
                f"{row['time_to_drain_s']:g}",
                marks,
            )
        out.add_section()
    Console(width=160).print(out)
    held = sum(all(met.values()) for entry in table.values() for met in entry["goals"].values())
    total = sum(len(entry["goals"]) for entry in table.values())
    print(f"[bench] all three goals held in {held} of {total} (scenario, world, our poll) cases")
    frontier = sum(not keda for entry in table.values() for keda in entry["dominated_by"].values())
    print(f"[bench] no KEDA setting as good on both peak lag and replica-s: {frontier} of {total}")


if __name__ == "__main__":
    sys.exit(main())
