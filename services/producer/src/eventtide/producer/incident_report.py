"""Measure what each incident moves: ``python -m eventtide.producer.incident_report``.

Runs one seeded backfill without incidents and one per incident (same seed, users and
days), and prints, for each incident's window, the metric it should move in both runs.
The incident-free run is the baseline: the same hours, the same population, no incident.
The table in docs/producer.md ("Incidents") comes from this module.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from eventtide.producer.generator import GeneratorConfig, Simulation
from eventtide.producer.generator.incidents import parse_incident
from eventtide.producer.generator.window_stats import WindowStats, window_stats

START = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday


@dataclass(frozen=True)
class Case:
    """One incident to inject and the metrics to read in its window(s)."""

    incident: str
    metrics: tuple[tuple[str, int, Callable[[WindowStats], float]], ...]
    """(name, which window: 0 = the whole incident, 1 = its first day, 2 = its last day, read)."""


CASES = (
    Case(
        "broken_checkout,start=10d,duration=1d,severity=0.5",
        (
            (
                "purchase sessions / checkout sessions",
                0,
                lambda w: w.share("purchase", "checkout_started"),
            ),
            (
                "checkout_started events / h",
                0,
                lambda w: w.per_hour(w.event_types["checkout_started"]),
            ),
            ("sessions / h", 0, lambda w: w.per_hour(w.sessions)),
        ),
    ),
    Case(
        "outage,start=300h,duration=6h,platform=ios",
        (
            ("ios events / h", 0, lambda w: w.per_hour(w.platforms["ios"])),
            ("all events / h", 0, lambda w: w.per_hour(w.events)),
        ),
    ),
    Case(
        "surge,start=15d,duration=12h,severity=2",
        (
            ("sessions / h", 0, lambda w: w.per_hour(w.sessions)),
            ("page views / h", 0, lambda w: w.per_hour(w.event_types["page_view"])),
            ("purchase sessions / sessions", 0, lambda w: w.share("purchase")),
        ),
    ),
    Case(
        "degradation,start=18d,duration=5d,severity=0.5",
        (
            ("cart sessions / sessions, first day", 1, lambda w: w.share("add_to_cart")),
            ("cart sessions / sessions, last day", 2, lambda w: w.share("add_to_cart")),
            ("purchase sessions / sessions, last day", 2, lambda w: w.share("purchase")),
        ),
    ),
    Case(
        "malformed,start=25d,duration=6h,severity=0.2",
        (
            ("dead-letter share of messages", 0, lambda w: w.dead_letter_share()),
            ("dead letters / h", 0, lambda w: w.per_hour(w.malformed)),
            ("valid events / h", 0, lambda w: w.per_hour(w.events)),
        ),
    ),
)


def _windows(simulation: Simulation) -> list[tuple[float, float]]:
    """The incident's window, its first day and its last day."""
    (incident,) = simulation.ground_truth.incidents.values()
    start, end = incident.start, incident.end
    day = min(86_400.0, end - start)
    return [(start, end), (start, start + day), (end - day, end)]


def measure(users: int, days: float, seed: int) -> list[tuple[str, str, float, float]]:
    """(incident, metric, baseline, with incident) for every case."""
    rows = []
    for case in CASES:
        spec = parse_incident(case.incident)
        config = GeneratorConfig(users=users, seed=seed, start=START, days=days, incidents=(spec,))
        hit = Simulation(config)
        windows = _windows(hit)
        with_incident = window_stats(hit.stream(), windows)
        base_config = GeneratorConfig(users=users, seed=seed, start=START, days=days)
        baseline = window_stats(Simulation(base_config).stream(), windows)
        for name, which, read in case.metrics:
            rows.append((case.incident, name, read(baseline[which]), read(with_incident[which])))
    return rows


def main() -> None:
    """Print the table as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{args.users:,} users, {args.days:g} days from {START.date()}, seed {args.seed}\n")
    print("| incident | metric | no incident | with incident | change |")
    print("|---|---|---:|---:|---:|")
    for incident, name, base, hit in measure(args.users, args.days, args.seed):
        change = f"{(hit - base) / base:+.0%}" if base else "from 0"
        top = max(base, hit)
        fmt = "{:.3f}" if top < 1 else "{:.1f}" if top < 100 else "{:,.0f}"
        print(f"| `{incident}` | {name} | {fmt.format(base)} | {fmt.format(hit)} | {change} |")


if __name__ == "__main__":
    main()
