"""``eventtide ml train anomaly``: run the training, print the evaluation and the decision."""

from __future__ import annotations

from datetime import datetime

from eventtide.ml.anomaly_eval import AnomalyEvaluation
from eventtide.ml.training_run import decision_line, run_training


def train_anomaly_command(cutoff: datetime, window: str, held_out_days: float) -> int:
    """0 when a model was registered (promoted or not); 1 with the reason otherwise."""
    from eventtide.ml.anomaly_training import train_anomaly

    result = run_training(
        lambda engine: train_anomaly(engine, cutoff, window=window, held_out_days=held_out_days)
    )
    if result is None:
        return 1
    print(
        f"anomaly v{result.version}: {result.series} series of {window} from {result.source}, "
        f"judged on {result.ours.days:.1f} held-out days"
    )
    print(format_evaluations(
        [("seasonal (ours)", result.ours), ("flat median/MAD", result.baseline)]
        + ([("production", result.production)] if result.production is not None else [])
    ))  # fmt: skip
    print(decision_line(result.decision.promote, result.decision.reason))
    return 0


def format_evaluations(rows: list[tuple[str, AnomalyEvaluation]]) -> str:
    """A plain table: pooled and per-kind F1, recall, delay, false alerts per day."""
    kinds = sorted({k for _, e in rows for k in e.by_kind})
    head = ["model", "F1", "precision", "recall", "found", "delay (windows)", "false/day"]
    head += [f"{k} recall" for k in kinds]
    lines = [" | ".join(head)]
    for name, e in rows:
        cells = [
            name,
            f"{e.overall.f1:.3f}",
            f"{e.overall.precision:.3f}",
            f"{e.overall.recall:.3f}",
            f"{e.overall.detected}/{e.overall.incidents}",
            f"{e.median_delay_windows:.1f}",
            f"{e.false_alerts_per_day:.2f}",
        ]
        cells += [f"{e.by_kind[k].recall:.3f}" if k in e.by_kind else "-" for k in kinds]
        lines.append(" | ".join(cells))
    return "\n".join(lines)
