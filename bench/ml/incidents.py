"""Metric anomalies against the generator's injected incidents, and false alerts without.

``python -m bench.ml.incidents [--users N --seed S]`` simulates 28 days twice with the
same seed: once with four incidents in the second fortnight (a broken checkout, an iOS
outage, a traffic surge, a five-day add-to-cart degradation) and once without. The
detector (seasonal hour-of-week baseline, robust z on several trailing spans, defaults
only) learns each hourly series on the first 14 days and judges the last 14. Series:
events per type and per platform (those whose training mean reaches the minimum volume,
as in production), active users, revenue, and the funnel's step-to-step conversions,
and active users per segment (the largest platforms and countries). Alerts
that overlap in time across series are one incident alert
(:func:`~eventtide.ml.anomaly.correlate`). The generator's recorded bot and fraud bursts
are ground truth too: an upward alert on one is true, but never counts as finding an
incident it happens to overlap. Scores: precision over incident alerts, recall over
incidents (and over incidents and bursts together), F1, detection delay in windows
(hours), and false alerts per simulated day on the incident-free run. The incidents
start at midnight; ``--drawn-hours`` starts each at an hour of its day drawn from the
seed (:func:`at_drawn_hours`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from eventtide.ml.anomaly import (
    Alert,
    DetectorConfig,
    Scored,
    alerts_from,
    correlate,
    score_counts,
    score_rate,
)
from eventtide.ml.evaluate import DetectionScores, Interval, detection_scores, f1_of
from eventtide.ml.segments import active_by_segment, top_segments
from eventtide.producer.generator import GeneratorConfig, Simulation, parse_incident

RESULTS = Path(__file__).resolve().parents[1] / "results" / "ml_incidents.json"
START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
DAYS, TRAIN_DAYS, STEP = 28, 14, 3600.0
INCIDENTS = (
    "broken_checkout,start=15d,duration=6h,severity=0.5",
    "outage,platform=ios,start=17d,duration=2h",
    "surge,start=19d,duration=12h",
    "degradation,start=22d,duration=5d,severity=0.5",
)
INCIDENT_HOURS_SEED = "incident hours"
"""Salt of the hour-of-day draw (:func:`at_drawn_hours`), apart from the generator's."""
FUNNEL = ("page_view", "add_to_cart", "checkout_started", "purchase")
SEGMENT_FIELDS = ("platform", "country")
"""Event context fields broken down into per-segment active-user series."""
DEFAULT_CONFIG = DetectorConfig()
MIN_VOLUME = DEFAULT_CONFIG.min_volume
SEGMENT_TOP = 5
"""Segments kept per field: the largest by training volume."""


@dataclass(frozen=True)
class Run:
    """One simulation's hourly series, with and without the recorded bursts' events."""

    counts: dict[str, np.ndarray]
    without_bursts: dict[str, np.ndarray]
    """The same series with every event of a recorded bot or fraud burst taken out."""
    incidents: list[Any]
    bursts: list[Interval]
    """Each recorded burst, from its first event to its last."""


def _aggregate(rows: dict[str, np.ndarray], keep: np.ndarray, hours: int,
               segments: dict[str, list[str]]) -> dict[str, np.ndarray]:  # fmt: skip
    """Hourly series from the kept rows (segment values chosen beforehand)."""
    hour = rows["hour"][keep]
    counts: dict[str, np.ndarray] = {}
    for prefix, column in (("events", "type"), ("platform", "platform")):
        for value in np.unique(rows[column][keep]):
            mask = rows[column][keep] == value
            counts[f"{prefix}.{value}"] = np.bincount(hour[mask], minlength=hours).astype(float)
    purchase = rows["type"][keep] == "purchase"
    counts["revenue"] = np.bincount(
        hour[purchase], weights=rows["amount"][keep][purchase], minlength=hours
    ).astype(float)
    counts["active_users"] = active_by_segment(
        hour, np.zeros(hour.size, dtype=str), rows["user"][keep], hours
    ).get("", np.zeros(hours))
    for field, names in segments.items():
        by = active_by_segment(hour, rows[field][keep], rows["user"][keep], hours)
        for name in names:
            counts[f"users.{field}.{name}"] = by.get(name, np.zeros(hours))
    return counts


def series(users: int, seed: int, incidents: tuple[str, ...]) -> Run:
    """Hourly series of one simulation, and its injected incidents and bursts.

    The generator records the events of each bot click burst and fraud purchase burst;
    the series are built twice, with and without them, so an alert can be asked
    whether the bursts alone account for it.
    """
    config = GeneratorConfig(
        users=users, seed=seed, start=START, days=DAYS,
        incidents=tuple(parse_incident(i) for i in incidents),
    )  # fmt: skip
    simulation = Simulation(config)
    hours = DAYS * 24
    origin = START.timestamp()
    context_fields = tuple(dict.fromkeys(("platform", *SEGMENT_FIELDS)))
    columns: dict[str, list[Any]] = {
        name: [] for name in ("hour", "at", "type", "amount", "user", "event_id", *context_fields)
    }
    for event in simulation.events():
        at = event["occurred_at"].timestamp()
        hour = int((at - origin) // STEP)
        if not 0 <= hour < hours:
            continue
        context = event.get("context") or {}
        columns["hour"].append(hour)
        columns["at"].append(at)
        columns["type"].append(event["event_type"])
        amount = (event.get("properties") or {}).get("amount", 0.0)
        columns["amount"].append(float(amount) if event["event_type"] == "purchase" else 0.0)
        columns["user"].append(event["user_id"])
        columns["event_id"].append(str(event["event_id"]))
        for field in context_fields:
            columns[field].append(str(context.get(field, "unknown")))
    rows = {name: np.asarray(values) for name, values in columns.items()}
    rows["hour"] = rows["hour"].astype(np.int64)
    cut = TRAIN_DAYS * 24
    train = rows["hour"] < cut
    segments = {
        field: top_segments(
            active_by_segment(rows["hour"][train], rows[field][train], rows["user"][train], cut),
            SEGMENT_TOP, MIN_VOLUME,
        )
        for field in SEGMENT_FIELDS
    }  # fmt: skip
    everything = np.ones(rows["hour"].size, dtype=bool)
    truth = simulation.ground_truth
    burst_ids = truth.anomalous_event_ids()
    in_burst = np.isin(rows["event_id"], np.array(sorted(burst_ids), dtype=str))
    bursts = []
    for anomaly in truth.anomalies.values():
        mask = np.isin(rows["event_id"], np.array(anomaly.event_ids, dtype=str))
        if mask.any():
            bursts.append(
                Interval(float(rows["at"][mask].min()), float(rows["at"][mask].max()) + 1.0)
            )
    return Run(
        counts=_aggregate(rows, everything, hours, segments),
        without_bursts=_aggregate(rows, ~in_burst, hours, segments),
        incidents=list(truth.incidents.values()),
        bursts=bursts,
    )


def _tracked(name: str, train: np.ndarray) -> bool:
    """Whether a count series is judged: active users, or an event count busy enough.

    An event count (per type or platform) is tracked when its training mean reaches the
    minimum volume, the rule ``window_series.default_specs`` applies to event types in
    production. A thinner series is judged only where its seasonal product happens to
    expect enough, and that product is unreliable on a mostly-zero series: the generator's
    users all sign up in the first week (0.3 signups a window in training, none in the
    second week), and the weekday factor of the first Monday had 1,200-2,300 signups expected
    on each judged Monday. The silence alarmed all day and into Tuesday, overlapping the
    broken checkout and the degradation, and was counted as finding both (seeds 7, 11
    and 43).
    """
    if name == "active_users" or name.startswith("users."):
        return True  # segments were chosen by volume already (top_segments)
    if not name.startswith(("events.", "platform.")):
        return False
    return bool(train.size) and float(train.mean()) >= MIN_VOLUME


Scorer = Callable[[slice, slice], Scored]


def _scorers(
    counts: dict[str, np.ndarray],
    judged: dict[str, np.ndarray],
    times: np.ndarray,
    config: DetectorConfig,
) -> list[tuple[str, Scorer]]:
    """Each series with how to score it: (training windows, judged windows) -> Scored.

    Revenue is scored in units of the first training fortnight's mean order value: a sum
    of order values varies like a count of orders times that value (compound Poisson),
    not like a count of currency units.
    """
    cut = TRAIN_DAYS * 24
    orders = counts.get("events.purchase", np.zeros(1))[:cut].sum()
    scorers: list[tuple[str, Scorer]] = []
    for name, series_values in sorted(counts.items()):
        values, later = series_values, judged.get(name, np.zeros_like(series_values))
        if name == "revenue":
            order_value = max(series_values[:cut].sum() / max(orders, 1.0), 1e-9)
            values, later = series_values / order_value, later / order_value
        elif not _tracked(name, series_values[:cut]):
            continue

        def count(train: slice, judge: slice, v: np.ndarray = values, w: np.ndarray = later
                  ) -> Scored:  # fmt: skip
            return score_counts(times[train], v[train], times[judge], w[judge], config)

        scorers.append((name, count))
    for before, after in itertools.pairwise(FUNNEL):
        den, num = counts.get(f"events.{before}"), counts.get(f"events.{after}")
        if den is None or num is None:
            continue
        den_later = judged.get(f"events.{before}", np.zeros_like(den))
        num_later = judged.get(f"events.{after}", np.zeros_like(num))

        def rate(train: slice, judge: slice, n: np.ndarray = num, d: np.ndarray = den,
                 nl: np.ndarray = num_later, dl: np.ndarray = den_later) -> Scored:  # fmt: skip
            return score_rate(times[train], n[train], d[train], times[judge], nl[judge],
                              dl[judge], config)  # fmt: skip

        scorers.append((f"conversion.{before}->{after}", rate))
    return scorers


def _joined(parts: list[Scored]) -> Scored:
    return Scored(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Scored)))


def _dropped(scored: Scored, lead: int) -> Scored:
    return Scored(*(getattr(scored, f.name)[lead:] for f in fields(Scored)))


def detect(
    counts: dict[str, np.ndarray],
    judged: dict[str, np.ndarray] | None = None,
    retrain_daily: bool = False,
    config: DetectorConfig = DEFAULT_CONFIG,
) -> list[Alert]:
    """Every series' alerts over the judged fortnight.

    Trained on ``counts``' first fortnight; the second is judged, from ``judged`` when
    given (the same series with the bursts' events taken out). With ``retrain_daily``
    each judged day is scored by a model trained on the fortnight just before it, as a
    deployment that retrains every night would: the level follows a population that
    grows or shrinks, at the price of learning a long incident as normal after a while.
    """
    judged = counts if judged is None else judged
    times = (START.timestamp() + STEP * np.arange(DAYS * 24)).astype(np.float64)
    cut, total = TRAIN_DAYS * 24, DAYS * 24
    days = range(cut, total, 24) if retrain_daily else range(cut, cut + 1)
    # windows before a judged day scored with it, so its first windows have full spans
    lead = config.context if retrain_daily else 0
    alerts: list[Alert] = []
    for name, scorer in _scorers(counts, judged, times, config):
        parts = [
            _dropped(scorer(slice(begin - cut, begin),
                            slice(begin - lead, begin + 24 if retrain_daily else total)), lead)
            for begin in days
        ]  # fmt: skip
        alerts += alerts_from(name, _joined(parts), STEP)
    return alerts


def _row(label: str, scores: DetectionScores) -> str:
    return (f"| {label} | {scores.precision:.3f} | {scores.recall:.3f} | {scores.f1:.3f} | "
            f"{scores.detected}/{scores.incidents} | "
            f"{scores.true_alerts} / {scores.false_alerts} | "
            f"{scores.median_delay / STEP:.1f} |")  # fmt: skip


def _interval(group: list[Alert]) -> Interval:
    return Interval(group[0].start, max(a.end for a in group))


def _explained(alert: Alert, without_bursts: list[Alert]) -> bool:
    """Whether the recorded bursts account for the alert: it goes when their events go.

    Asked with the same model of the series: the judged windows are scored again with
    the bursts' recorded events taken out, and the alert is the bursts' if no alert of
    its series in the same direction overlaps it then. A fraud burst's rise in the
    checkout->purchase conversion during the broken checkout is a drop without the
    burst; the rise is still the burst's, not a detection of the drop.
    """
    span = Interval(alert.start, alert.end)
    return not any(
        other.series == alert.series
        and other.direction == alert.direction
        and Interval(other.start, other.end).overlaps(span)
        for other in without_bursts
    )


@dataclass(frozen=True)
class Judged:
    """One run's alerts judged against its incidents and recorded bursts."""

    incidents: DetectionScores
    """Recall over the incidents; alerts the bursts explain are true but find no incident."""
    with_bursts: DetectionScores
    """Recall over incidents and bursts together; precision as above."""
    groups: list[list[Alert]]
    """Incident alerts from the series alerts the bursts do not explain."""
    burst_groups: list[list[Alert]]
    """Incident alerts made only of burst-explained series alerts."""


def judge(
    alerts: list[Alert], without_bursts: list[Alert], incidents: list[Interval],
    bursts: list[Interval],
) -> Judged:  # fmt: skip
    """Score alerts so that a burst's alert never passes for an incident's detection.

    A bot's click burst during the broken checkout lifts the click series; crediting
    that alert to the checkout incident would count a coincidence as a detection.
    """
    explained = [a for a in alerts if _explained(a, without_bursts)]
    own = [a for a in alerts if not _explained(a, without_bursts)]
    groups = correlate(own)
    intervals = [_interval(g) for g in groups]
    burst_groups = [g for g in correlate(explained)
                    if not any(_interval(g).overlaps(i) for i in intervals)]  # fmt: skip
    found = detection_scores(intervals, incidents)
    true_alerts = found.true_alerts + len(burst_groups)
    total_alerts = len(intervals) + len(burst_groups)
    precision = true_alerts / total_alerts if total_alerts else 1.0
    scores = replace(found, precision=precision, f1=f1_of(precision, found.recall),
                     true_alerts=true_alerts, false_alerts=total_alerts - true_alerts)  # fmt: skip
    on_bursts = detection_scores([Interval(a.start, a.end) for a in explained], bursts)
    delays = (*scores.delays, *on_bursts.delays)
    total = len(incidents) + len(bursts)
    recall = len(delays) / total if total else 1.0
    with_bursts = replace(scores, recall=recall, f1=f1_of(precision, recall),
                          detected=len(delays), incidents=total, delays=delays)  # fmt: skip
    return Judged(scores, with_bursts, groups, burst_groups)


CHECKOUT_SERIES = frozenset(
    {"conversion.checkout_started->purchase", "events.purchase", "events.checkout_started",
     "revenue"}
)  # fmt: skip
CART_SERIES = frozenset(
    {"conversion.page_view->add_to_cart", "events.add_to_cart", "events.checkout_started",
     "events.purchase", "revenue"}
)  # fmt: skip
"""What a broken payment step and an add-to-cart degradation move (``incident_plan``):
the step's conversion and the counts that follow it."""


def moves(kind: str, target: dict[str, str], series: str) -> bool:
    """Whether ``series`` is one the incident is documented to move (``incident_plan``).

    Time overlap alone credits any alert that happens to fall inside an incident, and a
    five-day degradation holds a few chance alerts; an alert on a series the incident
    moves is evidence the detector saw it.
    """
    if kind == "broken_checkout":
        return series in CHECKOUT_SERIES
    if kind == "degradation":
        return series in CART_SERIES
    if kind == "outage":  # its own segment, the totals, and no other segment of its field
        field, value = next(iter(target.items()))
        if series in {f"{field}.{value}", f"users.{field}.{value}", "active_users", "revenue"}:
            return True
        other_segment = series.startswith(f"users.{field}.")
        return series.startswith("events.") or (series.startswith("users.") and not other_segment)
    if kind == "surge":  # one-off visitors: every count up, the first step's rate down
        return not series.startswith("conversion.") or series.startswith("conversion.page_view")
    return True


def at_drawn_hours(incidents: tuple[str, ...], seed: int) -> tuple[str, ...]:
    """The same incidents on the same days, each starting at an hour drawn from ``seed``.

    :data:`INCIDENTS` start at midnight, in the night's quiet hours: at 1,000 users a
    broken checkout then meets two or three checkouts an hour. A real one starts
    whenever a deploy or a provider fails, so ``--drawn-hours`` samples the hour of day
    uniformly (whole hours, so windows stay aligned with the incident); midnight stays
    the default, comparable with every earlier run. The draw has its own generator, so
    the simulated users are the same either way.
    """
    rng = random.Random(f"{INCIDENT_HOURS_SEED} {seed}")
    placed = []
    for text in incidents:
        start = parse_incident(text).start_s
        if start is None:
            raise ValueError(f"{text!r}: an incident without a start has no day to keep")
        hours = round(start / STEP) + rng.randrange(24)
        placed.append(",".join(
            f"start={hours}h" if part.startswith("start=") else part for part in text.split(",")
        ))  # fmt: skip
    return tuple(placed)


def _half_life(text: str) -> float | None:
    """``none`` or a number of days that ``DetectorConfig`` accepts."""
    if text.lower() == "none":
        return None
    try:
        return DetectorConfig(level_half_life_days=float(text)).level_half_life_days
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None


def main() -> None:
    """Run both simulations, print the tables, write bench/results/ml_incidents.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument(
        "--retrain-daily", action="store_true",
        help="score each judged day with a model of the fortnight before it",
    )  # fmt: skip
    parser.add_argument(
        "--drawn-hours", action="store_true",
        help="start each incident at an hour of its day drawn from the seed, not at midnight",
    )  # fmt: skip
    parser.add_argument(
        "--level-half-life-days", type=_half_life, default=DEFAULT_CONFIG.level_half_life_days,
        help="how fast a count's level follows its ordinary windows ('none': the trained one)",
    )  # fmt: skip
    args = parser.parse_args()
    judged_from = START.timestamp() + TRAIN_DAYS * 86_400.0
    placed = at_drawn_hours(INCIDENTS, args.seed) if args.drawn_hours else INCIDENTS
    run = series(args.users, args.seed, placed)
    counts, truth = run.counts, run.incidents
    bursts = [b for b in run.bursts if b.start >= judged_from]
    retrain = args.retrain_daily
    config = DetectorConfig(level_half_life_days=args.level_half_life_days)
    alerts = detect(counts, retrain_daily=retrain, config=config)
    incidents = [Interval(i.start, i.end) for i in truth]
    judged = judge(alerts, detect(counts, run.without_bursts, retrain, config), incidents, bursts)
    scores, scores_all = judged.incidents, judged.with_bursts
    own = [a for g in judged.groups for a in g]
    per_kind = {}
    for incident, window in zip(truth, incidents, strict=True):
        hits = [a for a in own if Interval(a.start, a.end).overlaps(window)]
        first = min((a.start for a in hits), default=None)
        moved = [a for a in hits if moves(incident.kind, incident.target, a.series)]
        first_moved = min((a.start for a in moved), default=None)
        per_kind[incident.kind] = {
            "detected": bool(hits),
            "delay_windows": None if first is None else max(first - window.start, 0.0) / STEP,
            "first_alert_windows": None if first is None else (first - window.start) / STEP,
            "series": sorted({a.series for a in hits}),
            "by_series_it_moves": bool(moved),
            "first_alert_on_series_it_moves_windows": (
                None if first_moved is None else (first_moved - window.start) / STEP
            ),
        }
    attributed = sum(bool(row["by_series_it_moves"]) for row in per_kind.values()) / len(per_kind)
    attributed_f1 = f1_of(scores.precision, attributed)
    clean_run = series(args.users, args.seed, ())
    clean_bursts = [b for b in clean_run.bursts if b.start >= judged_from]
    clean = judge(
        detect(clean_run.counts, retrain_daily=retrain, config=config),
        detect(clean_run.counts, clean_run.without_bursts, retrain, config), [], clean_bursts,
    )  # fmt: skip
    clean_scores = clean.with_bursts
    clean_groups = clean.groups + clean.burst_groups
    judged_days = DAYS - TRAIN_DAYS
    false_per_day = clean_scores.false_alerts / judged_days
    record = {
        "users": args.users, "seed": args.seed, "days": DAYS, "train_days": TRAIN_DAYS,
        "window_s": STEP, "incidents": list(placed), "drawn_hours": args.drawn_hours,
        "retrain_daily": args.retrain_daily,
        "level_half_life_days": args.level_half_life_days,
        "segments": {"fields": list(SEGMENT_FIELDS), "top": SEGMENT_TOP,
                     "series": sorted(k for k in counts if k.startswith("users."))},
        "scores": asdict(scores), "median_delay_windows": scores.median_delay / STEP,
        "scores_incidents_and_bursts": asdict(scores_all), "judged_bursts": len(bursts),
        "per_incident": per_kind, "series_alerts": len(alerts),
        "recall_by_series_it_moves": attributed, "f1_by_series_it_moves": attributed_f1,
        "false_alerts": [[asdict(a) for a in g] for g in judged.groups
                         if not any(_interval(g).overlaps(t) for t in incidents)],
        "incident_free_scores": asdict(clean_scores),
        "incident_free_alerts_per_day": len(clean_groups) / judged_days,
        "incident_free_false_alerts_per_day": false_per_day,
        "incident_free_alerts": [[asdict(a) for a in g] for g in clean_groups],
    }  # fmt: skip
    print(f"metric anomalies, {args.users} users, seed {args.seed}, train days 0-{TRAIN_DAYS}, "
          f"judged {TRAIN_DAYS}-{DAYS}, hourly windows; "
          f"{len(judged.groups) + len(judged.burst_groups)} alerts, "
          f"{len(bursts)} recorded bot/fraud bursts in the judged days")  # fmt: skip
    print("| ground truth | precision | recall | F1 | found | true / false alerts | "
          "median delay (windows) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    print(_row("injected incidents", scores))
    print(_row("incidents + bot/fraud bursts", scores_all))
    for kind, row in per_kind.items():
        print(f"  {kind:<16} detected={row['detected']} delay={row['delay_windows']} "
              f"first alert at {row['first_alert_windows']} series={row['series']} "
              f"by a series it moves={row['by_series_it_moves']}")  # fmt: skip
    print(f"found by a series the incident moves: recall {attributed:.2f}, "
          f"F1 {attributed_f1:.3f} (precision as above)")  # fmt: skip
    print(f"incident-free run: {len(clean_groups)} alerts in {judged_days} days, "
          f"{clean_scores.true_alerts} on recorded bursts "
          f"({clean_scores.detected}/{clean_scores.incidents} bursts found), "
          f"{clean_scores.false_alerts} false ({false_per_day:.2f}/day)")  # fmt: skip
    args.out.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
