"""``eventtide ml train behaviour``: run the training, print the judgement and the decision."""

from __future__ import annotations

from datetime import datetime

from eventtide.ml.behaviour_eval import BehaviourJudgement
from eventtide.ml.training_run import decision_line, run_training


def train_behaviour_command(cutoff: datetime, window: str, held_out_days: float) -> int:
    """0 when a model was registered (promoted or not); 1 with the reason otherwise."""
    from eventtide.ml.behaviour_training import train_behaviour

    result = run_training(
        lambda engine: train_behaviour(engine, cutoff, window=window, held_out_days=held_out_days)
    )
    if result is None:
        return 1
    print(
        f"behaviour v{result.version}: {result.trained_rows} training user-windows of {window}, "
        f"threshold {result.threshold:.4f}; judged on {result.ours.untouched} held-out "
        f"user-windows and {result.ours.copies} injected copies"
    )
    print(format_judgements(
        [("isolation forest (ours)", result.ours), ("events/min robust z", result.baseline)]
        + ([("production", result.production)] if result.production is not None else [])
    ))  # fmt: skip
    if result.short is not None:
        print("the short model (the last hour of each window) alone, on copies of held-out hours:")
        print(format_judgements([("isolation forest, hours", result.short)]))
    print(decision_line(result.decision.promote, result.decision.reason))
    return 0


def format_judgements(rows: list[tuple[str, BehaviourJudgement]]) -> str:
    """A plain table: F1, precision, recall, PR-AUC, per-kind recall, untouched flagged."""
    kinds = sorted({k for _, j in rows for k in j.recall_by_kind})
    head = ["model", "F1", "precision", "recall", "PR-AUC", "untouched flagged"]
    head += [f"{k} recall" for k in kinds]
    lines = [" | ".join(head)]
    for name, j in rows:
        cells = [
            name,
            f"{j.overall.f1:.3f}",
            f"{j.overall.precision:.3f}",
            f"{j.overall.recall:.3f}",
            f"{j.overall.pr_auc:.3f}",
            f"{100 * j.untouched_flag_rate:.2f}%",
        ]
        cells += [f"{j.recall_by_kind.get(k, float('nan')):.3f}" for k in kinds]
        lines.append(" | ".join(cells))
    return "\n".join(lines)
