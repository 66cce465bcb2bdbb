"""``eventtide ml evaluate``: read a history, run the churn evaluation, print the table."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from eventtide.core.events.contracts.export_files import first_lines, joined_note
from eventtide.core.events.contracts.format_check import (
    NATIVE,
    SAMPLE_LINES,
    FormatProblemError,
    settle,
)
from eventtide.core.events.contracts.table_rows import TableHints
from eventtide.ml.churn_eval import evaluate_churn, format_table
from eventtide.ml.labels import HorizonBeyondDataError
from eventtide.ml.sources import read_file


def run_evaluate(
    *,
    path: Path,
    cutoff: datetime,
    file_format: str = NATIVE,
    table_hints: TableHints | None = None,
    horizon_days: float,
    holdout_share: float,
    json_output: bool,
    active_within_days: float | None = None,
) -> int:
    """0 when the table was printed; 1 with the reason when the history cannot be scored;
    2 when the file is in another format than ``file_format`` (``auto``: in none)."""
    try:
        file_format, choice = settle(
            first_lines(path, SAMPLE_LINES), file_format, str(path), table_hints
        )
    except FormatProblemError as problem:
        print(f"cannot evaluate: {problem}", file=sys.stderr)
        return 2
    for note in (choice, joined_note(path, file_format)):
        if note is not None:
            print(note, file=sys.stderr)
    log, report = read_file(path, file_format, table_hints)
    cut = cutoff.replace(tzinfo=UTC) if cutoff.tzinfo is None else cutoff
    print(
        f"{path}: {report.lines} lines, {report.accepted} valid, {report.rejected} rejected; "
        f"{len(log)} activity events",
        file=sys.stderr,
    )
    for rejection in report.first_rejections:
        print(f"  rejected {rejection}", file=sys.stderr)
    if len(log) == 0:
        print(
            f"cannot evaluate: {path} holds no valid event. Each line must be one event "
            "in eventtide's format (the envelope and properties of docs/events.md), or "
            "one of another tool's export given with --format; the first lines' reasons "
            "are above.",
            file=sys.stderr,
        )
        return 1
    try:
        evaluation = evaluate_churn(
            log,
            cut.timestamp(),
            horizon_days,
            holdout_share,
            active_within_days=active_within_days,
        )
    except (HorizonBeyondDataError, ValueError) as error:
        print(f"cannot evaluate: {error}", file=sys.stderr)
        return 1
    if json_output:
        record = {
            "cutoff": cut.date().isoformat(),
            "horizon_days": horizon_days,
            "active_within_days": active_within_days,
            **evaluation.record(),
        }
        print(json.dumps(record, indent=2))
    else:
        who = (
            "every user seen"
            if active_within_days is None
            else f"users active in the {active_within_days:g} days before each cut-off"
        )
        print(
            f"churn evaluation: cut-off {cut.date()}, horizon {horizon_days:g} days, {who}; "
            f"trained at the cut-off minus the horizon on other users"
        )
        print(format_table(evaluation))
    return 0


def run_train(
    *,
    model: str,
    cutoff: datetime,
    horizon_days: float,
    window: str | None = None,
    held_out_days: float = 7.0,
) -> int:
    """Train ``churn``, ``churn-online``, ``anomaly`` or ``behaviour`` from DATABASE_URL."""
    from eventtide.core.db import make_engine
    from eventtide.core.db.settings import DbSettings
    from eventtide.ml.training import train_churn

    if model not in ("churn", "churn-online", "anomaly", "behaviour"):
        print(
            f"cannot train {model!r}: the models are 'churn', 'churn-online', 'anomaly' "
            "and 'behaviour'"
        )
        return 2
    cut = cutoff.replace(tzinfo=UTC) if cutoff.tzinfo is None else cutoff
    if model == "churn-online":
        return _train_online(cut, horizon_days)
    if model == "anomaly":
        from eventtide.ml.anomaly_command import train_anomaly_command

        return train_anomaly_command(cut, window or "tumbling_1h", held_out_days)
    if model == "behaviour":
        from eventtide.ml.behaviour_command import train_behaviour_command

        return train_behaviour_command(cut, window or "tumbling_1d", held_out_days)
    engine = make_engine(DbSettings().database_url)
    try:
        result = train_churn(engine, cut, horizon_days)
    except (HorizonBeyondDataError, ValueError) as error:
        print(f"cannot train: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    production = "none" if result.production_roc_auc is None else f"{result.production_roc_auc:.4f}"
    print(
        f"churn v{result.version}: ROC-AUC {result.roc_auc:.4f} (best baseline "
        f"{result.best_baseline:.4f}, production {production}); "
        f"{'promoted' if result.decision.promote else 'not promoted'}: {result.decision.reason}"
    )
    return 0


def _train_online(cutoff: datetime, horizon_days: float) -> int:
    """Train the model ``eventtide ml score`` serves; print its scores and the decision."""
    from eventtide.core.db import make_engine
    from eventtide.core.db.settings import DbSettings
    from eventtide.ml.online_training import train_online_churn

    engine = make_engine(DbSettings().database_url)
    try:
        result = train_online_churn(engine, cutoff, horizon_days)
    except ValueError as error:
        print(f"cannot train: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    production = "none" if result.production_roc_auc is None else f"{result.production_roc_auc:.4f}"
    baselines = ", ".join(f"{b.model} {b.roc_auc:.4f}" for b in result.baselines)
    print(
        f"churn_online v{result.version}: ROC-AUC {result.ours.roc_auc:.4f} ({baselines}; "
        f"production {production}); "
        f"{'promoted' if result.decision.promote else 'not promoted'}: {result.decision.reason}"
    )
    return 0
